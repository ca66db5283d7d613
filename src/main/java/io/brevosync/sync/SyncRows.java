package io.brevosync.sync;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.camel.component.sql.DefaultRowMapperFactory;
import org.apache.camel.component.sql.RowMapperFactory;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.support.JdbcUtils;

/**
 * The rows of an export's query as plain maps keyed by lower-case column label (the mapping's columns are lower-case
 * too), for the run's sql endpoint (rowMapperFactory) and the preview alike. Spring's default row map is
 * case-insensitive: two maps filled per row and a lower-casing per look-up, a fifth of a run's mapping time on a
 * million rows. Labels are lower-cased once per query, not per row, and a row is its values by position behind the
 * query's one label index (a hash map per row was ~1 KB of garbage a row). Values are PostgreSQL's own JDBC objects
 * (Spring's getResultSetValue works around other databases' types, asking the metadata again for every date), dates
 * as LocalDate (a java.sql.Date goes through a Calendar and a time zone, both ways).
 */
public final class SyncRows implements RowMapperFactory {

    private final RowMapperFactory defaults = new DefaultRowMapperFactory();

    @Override
    public RowMapper<?> newColumnRowMapper() {
        return new Columns()::row;
    }

    @Override
    public RowMapper<?> newBeanRowMapper(Class<?> type) {
        return defaults.newBeanRowMapper(type);
    }

    /** A row mapper for one query: remembers its result set's labels. */
    public static final class Columns {
        private ResultSetMetaData meta;
        private Map<String, Integer> index;
        private boolean[] dates;

        public Map<String, Object> row(ResultSet rs, int rowNum) throws SQLException {
            ResultSetMetaData current = rs.getMetaData();
            if (current != meta) {
                int count = current.getColumnCount();
                index = new HashMap<>(count * 2);
                dates = new boolean[count];
                for (int i = 0; i < count; i++) {
                    // a label twice: the last column has it, as when the row was a map filled in column order; interned,
                    // like the mapping's columns and SyncQuery's names, so a look-up mostly compares references
                    index.put(JdbcUtils.lookupColumnName(current, i + 1).toLowerCase(Locale.ROOT).intern(), i);
                    dates[i] = current.getColumnType(i + 1) == Types.DATE;
                }
                meta = current;
            }
            Object[] values = new Object[dates.length];
            for (int i = 0; i < values.length; i++) {
                values[i] = dates[i] ? rs.getObject(i + 1, LocalDate.class) : rs.getObject(i + 1);
            }
            return new Row(index, values);
        }
    }

    /** One row, read-only: its values by position, looked up through its query's label index. */
    private static final class Row extends AbstractMap<String, Object> {
        private final Map<String, Integer> index;
        private final Object[] values;

        Row(Map<String, Integer> index, Object[] values) {
            this.index = index;
            this.values = values;
        }

        @Override
        public Object get(Object label) {
            Integer i = index.get(label);
            return i == null ? null : values[i];
        }

        @Override
        public boolean containsKey(Object label) {
            return index.containsKey(label);
        }

        @Override
        public int size() {
            return index.size();
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, Object>> iterator() {
                    Iterator<Entry<String, Integer>> labels = index.entrySet().iterator();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return labels.hasNext();
                        }

                        @Override
                        public Entry<String, Object> next() {
                            Entry<String, Integer> label = labels.next();
                            return new SimpleImmutableEntry<>(label.getKey(), values[label.getValue()]);
                        }
                    };
                }

                @Override
                public int size() {
                    return index.size();
                }
            };
        }
    }
}
