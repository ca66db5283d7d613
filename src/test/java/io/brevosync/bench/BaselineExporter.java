package io.brevosync.bench;

import java.io.ByteArrayOutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

/**
 * The exporter a user would write instead of this server, the floor it is compared with: no validation, no
 * de-duplication, no ledger, no sync state, no removals. A cursor streams the segment's rows, each becomes a jsonBody
 * item with the export's seven attributes, and ~8 MB imports are POSTed while the next is read ({@link ImportPoster}).
 */
final class BaselineExporter {

    private static final String QUERY = """
            select p.email, p.first_name, p.last_name, p.phone, p.country, p.city, p.birth_date::text
            from profile p join segment_member m on m.profile_id = p.id""";
    private static final String[] ATTRIBUTES = {"FIRSTNAME", "LASTNAME", "SMS", "COUNTRY", "CITY", "BIRTHDATE"};

    private BaselineExporter() {
    }

    /** Sends every row of the segment; answers when the last import was accepted (Brevo applies it after). */
    static void export(DataSource exportDataSource, String sandboxRoot, String key) throws Exception {
        JsonFactory json = new JsonFactory();
        ByteArrayOutputStream item = new ByteArrayOutputStream(512);
        try (Connection c = exportDataSource.getConnection(); PreparedStatement s = c.prepareStatement(QUERY);
                ImportPoster poster = new ImportPoster(sandboxRoot, key)) {
            s.setFetchSize(5000);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    item.reset();
                    try (JsonGenerator out = json.createGenerator(item)) {
                        out.writeStartObject();
                        out.writeStringField("email", rows.getString(1));
                        out.writeObjectFieldStart("attributes");
                        for (int i = 0; i < ATTRIBUTES.length; i++) {
                            String value = rows.getString(i + 2);
                            if (value != null) {
                                out.writeStringField(ATTRIBUTES[i], value);
                            }
                        }
                        out.writeEndObject();
                        out.writeEndObject();
                    }
                    poster.add(item.toByteArray(), item.size());
                }
            }
            poster.finish();
            c.rollback();
        }
    }
}
