package org.orderevents.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code INSERT INTO t (…) VALUES (?, …) [ON CONFLICT …]} written for many rows as a few statements of up to
 * {@value #ROWS_PER_STATEMENT} rows each ({@code VALUES (…), (…), …}), on H2 and on PostgreSQL.
 * <p>
 * A JDBC batch of the one-row statement is sent, and executed by PostgreSQL, as one statement per row.
 * PostgreSQL's driver rewrites such a batch this way only with
 * {@code reWriteBatchedInserts=true} in the URL, and then reports no count per row, while a claim must know which of
 * its rows were new; here the inserted rows answer, whatever the URL.
 */
public final class MultiRowInsert {

    /** Rows per statement, fewer for a row of more than 65 parameters: PostgreSQL takes at most 32,767 per statement. */
    static final int ROWS_PER_STATEMENT = 500;

    private final String head;
    private final String row;
    private final String tail;
    private final int parameters;
    private final int rowsPerStatement;

    /** The one-row statement: {@code INSERT INTO t (…) VALUES (…) …}, its row's values in the first parentheses after VALUES. */
    public MultiRowInsert(String sql) {
        int values = sql.toUpperCase().indexOf(" VALUES ");
        int open = values < 0 ? -1 : sql.indexOf('(', values);
        int close = open < 0 ? -1 : sql.indexOf(')', open);
        if (!sql.regionMatches(true, 0, "INSERT ", 0, 7) || close < 0) {
            throw new IllegalArgumentException("not an INSERT ... VALUES (...) statement: " + sql);
        }
        this.head = sql.substring(0, open);
        this.row = sql.substring(open, close + 1);
        this.tail = sql.substring(close + 1);
        this.parameters = (int) row.chars().filter(c -> c == '?').count();
        this.rowsPerStatement = Math.max(1, Math.min(ROWS_PER_STATEMENT, 32_767 / Math.max(1, parameters)));
    }

    /** Inserts the rows (each one row's parameters, in order); returns how many were inserted (a conflict is not). */
    public int write(Connection connection, List<Object[]> rows) throws SQLException {
        int inserted = 0;
        for (int from = 0; from < rows.size(); from += rowsPerStatement) {
            List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + rowsPerStatement));
            try (PreparedStatement insert = connection.prepareStatement(sql(chunk.size()))) {
                bind(insert, chunk);
                inserted += insert.executeUpdate();
            }
        }
        return inserted;
    }

    /** Inserts the rows; returns the given column of each row that was inserted (a conflict is not). */
    public List<String> writeReturning(Connection connection, List<Object[]> rows, String column) throws SQLException {
        List<String> inserted = new ArrayList<>();
        for (int from = 0; from < rows.size(); from += rowsPerStatement) {
            List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + rowsPerStatement));
            // H2 and PostgreSQL's driver both answer the inserted rows only, a conflict's row not (INSERT … RETURNING)
            try (PreparedStatement insert = connection.prepareStatement(sql(chunk.size()), new String[] {column})) {
                bind(insert, chunk);
                insert.executeUpdate();
                try (ResultSet keys = insert.getGeneratedKeys()) {
                    while (keys.next()) {
                        inserted.add(keys.getString(1));
                    }
                }
            }
        }
        return inserted;
    }

    private String sql(int rows) {
        StringBuilder sql = new StringBuilder(head.length() + tail.length() + rows * (row.length() + 2)).append(head);
        for (int i = 0; i < rows; i++) {
            sql.append(i == 0 ? "" : ", ").append(row);
        }
        return sql.append(tail).toString();
    }

    private void bind(PreparedStatement insert, List<Object[]> rows) throws SQLException {
        int index = 1;
        for (Object[] values : rows) {
            if (values.length != parameters) {
                throw new IllegalArgumentException(values.length + " values for a row of " + parameters + " parameters: " + head + row);
            }
            for (Object value : values) {
                insert.setObject(index++, value);
            }
        }
    }
}
