package org.orderevents.reprocess;

import org.orderevents.db.TransactionScope;

import java.sql.SQLException;
import java.util.Map;

/** A service's state that a reprocess can take events' effects out of, so that its event route makes them again. */
public interface Reprocessable {

    /**
     * In the reprocess's transaction, before the events run again: takes out what these events added (each event's id
     * and its record's value, in the records' order).
     */
    void takeOut(TransactionScope scope, Map<String, byte[]> events) throws SQLException;
}
