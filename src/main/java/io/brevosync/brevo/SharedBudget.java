package io.brevosync.brevo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

/**
 * The request budgets of the Brevo connections, shared by every server on the database (table brevo_budget): a
 * request takes the budget's next slot in one statement, so three nodes on one API key together send at its rate, not
 * three times it; a wait Brevo's rate-limit headers ask for holds every node. The database's clock decides, so the
 * nodes' clocks need not agree.
 */
final class SharedBudget {

    private static final String RESERVE = """
            insert into brevo_budget (budget, next_slot) values (?, clock_timestamp() + make_interval(secs => ?))
            on conflict (budget) do update set next_slot = greatest(brevo_budget.next_slot, clock_timestamp()) + make_interval(secs => ?)
            returning greatest(0, extract(epoch from (next_slot - clock_timestamp())) - ?)::float8 as wait""";
    private static final String HOLD = """
            insert into brevo_budget (budget, next_slot) values (?, clock_timestamp() + make_interval(secs => ?))
            on conflict (budget) do update set next_slot = greatest(brevo_budget.next_slot, clock_timestamp() + make_interval(secs => ?))""";

    private final DataSource dataSource;

    SharedBudget(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Takes the budget's next slot, the given interval after the last one taken; answers how many nanoseconds to wait for it. */
    long reserve(String budget, long intervalNanos) throws SQLException {
        double interval = intervalNanos / 1e9;
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(RESERVE)) {
            s.setString(1, budget);
            s.setDouble(2, interval);
            s.setDouble(3, interval);
            s.setDouble(4, interval);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return (long) (rs.getDouble(1) * 1e9);
            }
        }
    }

    /** No request of the budget, on any node, before the given number of milliseconds. */
    void holdFor(String budget, long millis) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(HOLD)) {
            s.setString(1, budget);
            s.setDouble(2, millis / 1000.0);
            s.setDouble(3, millis / 1000.0);
            s.executeUpdate();
        }
    }
}
