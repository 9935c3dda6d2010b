-- One schema for H2 (in PostgreSQL mode) and PostgreSQL; every statement can run again at each start.

-- Idempotent consumer: one row per (consumer group, event id) whose effect is committed.
CREATE TABLE IF NOT EXISTS processed_events (
    processor_name VARCHAR(100) NOT NULL,
    event_id       VARCHAR(200) NOT NULL,
    processed_at   TIMESTAMP    NOT NULL,
    PRIMARY KEY (processor_name, event_id)
);
CREATE INDEX IF NOT EXISTS processed_events_age ON processed_events (processed_at);

-- email-service: the transactional outbox. The e-mail of an event is written here in the event's transaction, with its
-- processed_events row; the sender delivers it later, in rounds of up to 500 rows per transaction, and marks it sent.
CREATE TABLE IF NOT EXISTS email_outbox (
    event_id   VARCHAR(200)  PRIMARY KEY,
    recipient  VARCHAR(320)  NOT NULL,
    sender     VARCHAR(320)  NOT NULL,
    subject    VARCHAR(1000) NOT NULL,
    body       TEXT          NOT NULL,
    created_at TIMESTAMP     NOT NULL,
    sent_at    TIMESTAMP,
    attempts   INTEGER       NOT NULL DEFAULT 0
);
-- the sender's round reads the unsent rows in this order (sent_at IS NULL, fewest attempts, oldest first) straight from
-- the index, however many wait; the purge finds the sent rows by their sent_at
CREATE INDEX IF NOT EXISTS email_outbox_due ON email_outbox (sent_at, attempts, created_at);
DROP INDEX IF EXISTS email_outbox_sent;
-- when an e-mail whose delivery failed is due again (back-off); a separate statement, so that an email_outbox table
-- created without the column gets it
ALTER TABLE email_outbox ADD COLUMN IF NOT EXISTS retry_at TIMESTAMP;

-- order-service
CREATE TABLE IF NOT EXISTS orders (
    order_id   VARCHAR(200)   PRIMARY KEY,
    user_id    VARCHAR(200)   NOT NULL,
    items      TEXT           NOT NULL,
    total      NUMERIC(14, 2) NOT NULL,
    status     VARCHAR(100)   NOT NULL,
    reason     VARCHAR(1000),
    created_at VARCHAR(40)    NOT NULL,
    updated_at VARCHAR(40)
);
-- history: order-service's history of the order (JSON: the order.created it came from, each status change it applied
-- and where it was on the topic), whose fold the status is (OrderHistory), so a reprocess can take changes out
ALTER TABLE orders ADD COLUMN IF NOT EXISTS history TEXT;

-- inventory-service
CREATE TABLE IF NOT EXISTS stock (
    product_id VARCHAR(200) PRIMARY KEY,
    name       VARCHAR(200) NOT NULL,
    available  INTEGER      NOT NULL CHECK (available >= 0)
);
INSERT INTO stock (product_id, name, available) VALUES ('book-camel', 'Camel in Action', 50) ON CONFLICT DO NOTHING;
INSERT INTO stock (product_id, name, available) VALUES ('book-kafka', 'Kafka: The Definitive Guide', 20) ON CONFLICT DO NOTHING;
INSERT INTO stock (product_id, name, available) VALUES ('mug', 'Camel mug', 100) ON CONFLICT DO NOTHING;
INSERT INTO stock (product_id, name, available) VALUES ('sticker', 'Camel sticker', 1000) ON CONFLICT DO NOTHING;
INSERT INTO stock (product_id, name, available) VALUES ('hoodie', 'Kafka hoodie', 0) ON CONFLICT DO NOTHING;
INSERT INTO stock (product_id, name, available) VALUES ('poster', 'Event-driven poster', 0) ON CONFLICT DO NOTHING;
-- the seed system's sample products, with the stock its inventory service has, so that its example orders decide as there
INSERT INTO stock (product_id, name, available) VALUES ('prod_1', 'Product 1', 100) ON CONFLICT DO NOTHING;
INSERT INTO stock (product_id, name, available) VALUES ('prod_2', 'Product 2', 50) ON CONFLICT DO NOTHING;
INSERT INTO stock (product_id, name, available) VALUES ('prod_3', 'Product 3', 0) ON CONFLICT DO NOTHING;

-- analytics-service
CREATE TABLE IF NOT EXISTS analytics_totals (
    id            INTEGER        PRIMARY KEY,
    total_orders  BIGINT         NOT NULL,
    total_revenue NUMERIC(18, 2) NOT NULL
);
INSERT INTO analytics_totals (id, total_orders, total_revenue) VALUES (1, 0, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS analytics_orders_by_hour (
    order_hour VARCHAR(16) PRIMARY KEY,
    orders     BIGINT      NOT NULL
);
CREATE TABLE IF NOT EXISTS analytics_revenue_by_user (
    user_id VARCHAR(200)   PRIMARY KEY,
    revenue NUMERIC(18, 2) NOT NULL
);
-- the orders analytics-service counted, one row per order.created event: the figures above are these rows' sums, kept
-- in the same transaction, so a reprocess can take an event's share out and count it again (docs/reprocess.md)
CREATE TABLE IF NOT EXISTS analytics_orders (
    event_id   VARCHAR(200)   PRIMARY KEY,
    user_id    VARCHAR(200)   NOT NULL,
    order_hour VARCHAR(16)    NOT NULL,
    total      NUMERIC(14, 2) NOT NULL
);
-- a reprocess's test of whether a user still has orders
CREATE INDEX IF NOT EXISTS analytics_orders_user ON analytics_orders (user_id);
-- since when a service's state can have events taken out: a database whose figures count orders without their rows
-- (counted before analytics_orders existed) is reprocessed only from the time this table first saw that
CREATE TABLE IF NOT EXISTS reprocess_coverage (
    service VARCHAR(100) PRIMARY KEY,
    since   TIMESTAMP    NOT NULL
);
INSERT INTO reprocess_coverage (service, since) SELECT 'analytics-service', LOCALTIMESTAMP FROM analytics_totals
    WHERE id = 1 AND total_orders > (SELECT COUNT(*) FROM analytics_orders) ON CONFLICT DO NOTHING;
-- orders kept before their history was begin it at their status then, and order-service is reprocessed from then on
INSERT INTO reprocess_coverage (service, since) SELECT 'order-service', LOCALTIMESTAMP
    WHERE EXISTS (SELECT 1 FROM orders WHERE history IS NULL) ON CONFLICT DO NOTHING;

-- Retries that hold back only their own key: one row per record a consumer group parked on <topic>.retry (the record
-- that failed, and every later record of its key behind it). A key is parked while it has a row; the rows, written in
-- the transactions that park and retry them, are the truth, and a copy on the retry topic without its row is stale.
-- attempts and due_at: the failed attempts and when the next one is due; woken: the key made progress elsewhere in the
-- group (its order was recorded, say), so its head is tried at once, a try that does not count as an attempt.
CREATE TABLE IF NOT EXISTS parked_events (
    group_id         VARCHAR(100)  NOT NULL,
    topic            VARCHAR(200)  NOT NULL,
    source_partition INTEGER       NOT NULL,
    source_offset    BIGINT        NOT NULL,
    record_key       VARCHAR(1000) NOT NULL,
    attempts         INTEGER       NOT NULL,
    due_at           BIGINT        NOT NULL,
    woken            BOOLEAN       NOT NULL DEFAULT FALSE,
    history          VARCHAR(8000),
    parked_at        TIMESTAMP     NOT NULL,
    PRIMARY KEY (group_id, topic, source_partition, source_offset)
);
CREATE INDEX IF NOT EXISTS parked_events_key ON parked_events (group_id, record_key);

-- The event outbox: a record the application publishes as the consequence of a decision (an inventory result, a status
-- change, the order API's events) is written here in the decision's transaction; the relay publishes the committed
-- rows in id order and deletes them (outbox/EventOutbox.java).
CREATE TABLE IF NOT EXISTS event_outbox (
    id            BIGINT        GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    topic         VARCHAR(255)  NOT NULL,
    record_key    VARCHAR(200),
    event_id      VARCHAR(200)  NOT NULL,
    event_type    VARCHAR(100)  NOT NULL,
    payload       TEXT          NOT NULL,
    trace_headers VARCHAR(1000)
);
-- one relay at a time, across instances: its transaction locks this row
CREATE TABLE IF NOT EXISTS event_outbox_relay (
    id INTEGER PRIMARY KEY
);
INSERT INTO event_outbox_relay (id) VALUES (1) ON CONFLICT DO NOTHING;

-- The order API's Idempotency-Key: the first request with a key commits its answer here with its effects; purged with
-- the processed ids (db/Retention.java)
CREATE TABLE IF NOT EXISTS idempotency_keys (
    idempotency_key VARCHAR(200) PRIMARY KEY,
    request_hash    VARCHAR(64)  NOT NULL,
    status          INTEGER,
    location        VARCHAR(300),
    response        TEXT,
    created_at      TIMESTAMP    NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_keys_age ON idempotency_keys (created_at);

-- An order's status as each consumer group has seen it on the orders topic (order/OrderLifecycle.java); order-service
-- keeps it in orders
CREATE TABLE IF NOT EXISTS order_lifecycle (
    group_id VARCHAR(100) NOT NULL,
    order_id VARCHAR(200) NOT NULL,
    status   VARCHAR(100) NOT NULL,
    PRIMARY KEY (group_id, order_id)
);

-- inventory-service: what each order reserved, given back once if the order is cancelled
CREATE TABLE IF NOT EXISTS stock_reservations (
    order_id VARCHAR(200) PRIMARY KEY,
    items    TEXT         NOT NULL,
    released BOOLEAN      NOT NULL DEFAULT FALSE
);

-- A reprocess of a service from a point in time (reprocess/): one row per run, and where it is in each partition. The
-- instance that runs it holds it while its heartbeat is recent; each batch commits its position with its effects.
CREATE TABLE IF NOT EXISTS reprocess_runs (
    run_id       VARCHAR(36)   PRIMARY KEY,
    service      VARCHAR(100)  NOT NULL,
    -- the service while the run is under way, null once done: one run at a time per service
    active_service VARCHAR(100) UNIQUE,
    topic        VARCHAR(200)  NOT NULL,
    from_time    TIMESTAMP     NOT NULL,
    requested_at TIMESTAMP     NOT NULL,
    state        VARCHAR(20)   NOT NULL,
    owner        VARCHAR(200),
    heartbeat_at TIMESTAMP,
    finished_at  TIMESTAMP,
    events_done  BIGINT        NOT NULL DEFAULT 0,
    events_failed BIGINT       NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS reprocess_runs_requested ON reprocess_runs (requested_at);
CREATE TABLE IF NOT EXISTS reprocess_positions (
    run_id       VARCHAR(36)   NOT NULL,
    partition_no INTEGER       NOT NULL,
    start_offset BIGINT        NOT NULL,
    end_offset   BIGINT        NOT NULL,
    next_offset  BIGINT        NOT NULL,
    PRIMARY KEY (run_id, partition_no)
);
