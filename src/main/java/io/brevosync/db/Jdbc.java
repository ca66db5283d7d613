package io.brevosync.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

/**
 * Plain JDBC in a few helpers for the ledger and the sync state: parameters by position, Java arrays as SQL arrays
 * (Long[] as bigint[], any other as text[]),
 * rows as maps whose keys are the columns in camelCase (export_id → exportId, the JSON style of Brevo's own API).
 */
public final class Jdbc {

    private final DataSource dataSource;

    public Jdbc(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public int update(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = prepare(c, sql, args)) {
            return s.executeUpdate();
        }
    }

    public Optional<Map<String, Object>> queryOne(String sql, Object... args) throws SQLException {
        List<Map<String, Object>> rows = query(sql, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public long number(String sql, Object... args) throws SQLException {
        return queryOne(sql, args).map(r -> r.values().iterator().next()).map(v -> ((Number) v).longValue()).orElse(0L);
    }

    public List<Map<String, Object>> query(String sql, Object... args) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = prepare(c, sql, args); ResultSet rs = s.executeQuery()) {
            ResultSetMetaData meta = rs.getMetaData();
            List<Map<String, Object>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    Object value = rs.getObject(i);
                    row.put(camelCase(meta.getColumnLabel(i)), value instanceof Timestamp t ? t.toInstant().toString() : value);
                }
                rows.add(row);
            }
            return rows;
        }
    }

    /** A statement with its parameters set; Java arrays become SQL arrays (Long[]: bigint[], others: text[]). */
    public static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i] instanceof Object[] array ? c.createArrayOf(array instanceof Long[] ? "bigint" : "text", array) : args[i]);
        }
        return s;
    }

    private static String camelCase(String column) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char ch : column.toCharArray()) {
            if (ch == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(ch) : ch);
                upper = false;
            }
        }
        return out.toString();
    }
}
