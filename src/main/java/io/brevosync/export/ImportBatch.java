package io.brevosync.export;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of one POST /v3/contacts/import, with the rows rejected alongside them. A row joins only if the request
 * body stays within the export's row and byte limits, so no body ever exceeds them.
 */
public final class ImportBatch {

    /** The request body around the rows: {"listIds":[…],"updateExistingContacts":true,…,"jsonBody":[ rows ]}. */
    public static final int ENVELOPE_BYTES = 160;

    private final List<ExportRow> rows = new ArrayList<>();
    private final List<ExportRow> rejected = new ArrayList<>();
    private final int maxRows;
    private final int maxBytes;
    private int bytes = ENVELOPE_BYTES;

    public ImportBatch(int maxRows, int maxBytes) {
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
    }

    /** Whether the row can join without breaking a limit (rejected rows always can: they are not sent). */
    public boolean fits(ExportRow row) {
        return row.isRejected() || (rows.size() < maxRows && bytes + row.json().length + 1 <= maxBytes);
    }

    public void add(ExportRow row) {
        if (row.isRejected()) {
            rejected.add(row);
        } else {
            rows.add(row);
            bytes += row.json().length + 1;
        }
    }

    public List<ExportRow> getRows() {
        return rows;
    }

    public List<ExportRow> getRejected() {
        return rejected;
    }

    public boolean hasRows() {
        return !rows.isEmpty();
    }

    /** The import request body, assembled from the rows' JSON without serialising them again. */
    public byte[] importRequest(long listId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes);
        out.writeBytes(("{\"listIds\":[" + listId + "],\"updateExistingContacts\":true,\"emptyContactsAttributes\":false,\"jsonBody\":[")
                .getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < rows.size(); i++) {
            if (i > 0) {
                out.write(',');
            }
            out.writeBytes(rows.get(i).json());
        }
        out.writeBytes("]}".getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
