package io.brevosync.access;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.brevosync.Refusal;
import io.brevosync.db.Jdbc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who did what, when, and what the server answered: every state-changing API call and every reload of the exports,
 * append-only in PostgreSQL (a trigger refuses updates and deletes). Entries are written on a thread of their own, so
 * the HTTP event loop that saw the answer never waits for the database.
 */
public final class AuditLog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private static final int MAX_PAGE = 500;

    private final Jdbc db;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "audit-log");
        thread.setDaemon(true);
        return thread;
    });

    public AuditLog(Jdbc db) {
        this.db = db;
    }

    public void record(String actor, String action, String target, Integer status, String detail) {
        writer.execute(() -> {
            try {
                db.update("insert into audit_log (actor, action, target, status, detail) values (?, ?, ?, ?, ?)", actor, action, target, status, detail);
            } catch (SQLException e) {
                LOG.error("Audit entry not written ({} {} {} by {}): {}", action, target, status, actor, e.getMessage());
            }
        });
    }

    /** A reload of the exports directory that put exports in force or removed some. */
    public void reloaded(Map<String, Object> answer, String caller) {
        List<?> loaded = (List<?>) answer.get("loaded");
        List<?> removed = (List<?>) answer.get("removed");
        if (!loaded.isEmpty() || !removed.isEmpty()) {
            record(caller == null ? "watch" : caller, "reload", "exports", null, "loaded " + loaded + ", removed " + removed);
        }
    }

    /** An attribute a reload created in a Brevo account for an export that says createAttributes: true. */
    public void attributeCreated(String target, String detail, String caller) {
        record(caller == null ? "watch" : caller, "create-attribute", target, 201, detail);
    }

    /** GET /api/audit: newest first, filtered by actor, action (a prefix, e.g. POST) and target (a prefix); paged by before (an id). */
    public List<Map<String, Object>> read(String actor, String action, String target, String before, String limit) throws SQLException {
        StringBuilder sql = new StringBuilder("select id, at, actor, action, target, status, detail from audit_log where true");
        List<Object> args = new ArrayList<>();
        if (actor != null && !actor.isBlank()) {
            sql.append(" and actor = ?");
            args.add(actor);
        }
        if (action != null && !action.isBlank()) {
            sql.append(" and action like ? || '%'");
            args.add(action);
        }
        if (target != null && !target.isBlank()) {
            sql.append(" and target like ? || '%'");
            args.add(target);
        }
        if (before != null && !before.isBlank()) {
            sql.append(" and id < ?");
            args.add(number(before, "before"));
        }
        long page = limit == null || limit.isBlank() ? 100 : number(limit, "limit");
        if (page < 1 || page > MAX_PAGE) {
            throw new Refusal.Invalid("limit must be 1 to " + MAX_PAGE + ", got " + limit);
        }
        sql.append(" order by id desc limit ").append(page);
        return db.query(sql.toString(), args.toArray());
    }

    private static long number(String value, String name) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new Refusal.Invalid(name + " must be a whole number, got '" + value + "'");
        }
    }

    /** Writes what is still queued. */
    @Override
    public void close() throws InterruptedException {
        writer.shutdown();
        writer.awaitTermination(10, TimeUnit.SECONDS);
    }
}
