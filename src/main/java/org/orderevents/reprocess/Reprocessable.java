package org.orderevents.reprocess;

import org.orderevents.db.TransactionScope;

import java.sql.SQLException;
import java.util.List;

/** A service's state that a reprocess can take events' effects out of, so that its event route makes them again. */
public interface Reprocessable {

    /** In the reprocess's transaction, before the events run again: takes out what these events added. */
    void takeOut(TransactionScope scope, List<String> eventIds) throws SQLException;
}
