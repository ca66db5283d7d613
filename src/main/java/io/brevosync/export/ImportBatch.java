package io.brevosync.export;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of one POST /v3/contacts/import, with the rows rejected alongside them. A batch is full when one more row
 * of the largest allowed size could push the request body past the export's byte limit, so no body ever exceeds it.
 */
public final class ImportBatch {

    /** The request body around the rows: {"listIds":[…],"updateExistingContacts":true,…,"jsonBody":[ rows ]}. */
    private static final int ENVELOPE_BYTES = 160;

    private final List<ExportRow> rows = new ArrayList<>();
    private final List<ExportRow> rejected = new ArrayList<>();
    private final int maxRows;
    private final int maxBytes;
    private final int rowMaxBytes;
    private int bytes = ENVELOPE_BYTES;
    private boolean last;

    public ImportBatch(int maxRows, int maxBytes, int rowMaxBytes) {
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
        this.rowMaxBytes = rowMaxBytes;
    }

    public void add(ExportRow row) {
        if (row.isRejected()) {
            rejected.add(row);
        } else {
            rows.add(row);
            bytes += row.json().length + 1;
        }
    }

    /** Marks the batch as holding the last row of the export query. */
    public void last(boolean value) {
        last = value;
    }

    /** Ready to send: the split has ended, or the next row might not fit. */
    public boolean isComplete() {
        return last || rows.size() >= maxRows || bytes + rowMaxBytes + 1 > maxBytes;
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
