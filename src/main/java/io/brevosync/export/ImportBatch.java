package io.brevosync.export;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of one POST /v3/contacts/import, with the rows read alongside them that are not sent (rejected, dead, left).
 * A row to send joins only if the request body stays within the export's row and byte limits, so no body ever exceeds
 * them; the rows not sent are bounded too, so a run of nothing but removals still records them as it goes.
 */
public final class ImportBatch {

    /** The request body around the rows: {"listIds":[…],"updateExistingContacts":true,…,"jsonBody":[ rows ]}. */
    public static final int ENVELOPE_BYTES = 160;

    private final List<ExportRow> rows = new ArrayList<>();
    /** Rows not sent that are recorded per batch (kept in memory until then). */
    public static final int MAX_NOT_SENT = 10_000;

    private final List<ExportRow> notSent = new ArrayList<>();
    private final int maxRows;
    private final int maxBytes;
    private int bytes = ENVELOPE_BYTES;
    private int number;
    private byte[] request;

    public ImportBatch(int maxRows, int maxBytes) {
        this.maxRows = maxRows;
        this.maxBytes = maxBytes;
    }

    /** An empty batch with the export's limits. */
    static ImportBatch within(ExportDefinition export) {
        return new ImportBatch(export.batchMaxRows(), export.batchMaxBytes());
    }

    /** A batch of one row, within the export's limits. */
    public static ImportBatch of(ExportRow row, ExportDefinition export) {
        ImportBatch batch = within(export);
        batch.add(row);
        return batch;
    }

    /** Whether the row can join without breaking a limit. */
    public boolean fits(ExportRow row) {
        return row.isSent() ? rows.size() < maxRows && bytes + row.json().length + 1 <= maxBytes : notSent.size() < MAX_NOT_SENT;
    }

    public void add(ExportRow row) {
        if (row.isSent()) {
            rows.add(row);
            bytes += row.json().length + 1;
        } else {
            notSent.add(row);
        }
    }

    public List<ExportRow> getRows() {
        return rows;
    }

    /** Rejected, dead and left rows. */
    public List<ExportRow> getNotSent() {
        return notSent;
    }

    /**
     * The rows not sent, moved to a batch of their own (recorded, nothing imported): a run with many rejected rows
     * then still sends full imports, not one per 10,000 rows not sent.
     */
    public ImportBatch takeNotSent() {
        ImportBatch recorded = new ImportBatch(maxRows, maxBytes);
        recorded.notSent.addAll(notSent);
        notSent.clear();
        return recorded;
    }

    public boolean hasRows() {
        return !rows.isEmpty();
    }

    public boolean isEmpty() {
        return rows.isEmpty() && notSent.isEmpty();
    }

    /** The rows split in two batches (for bisecting a batch Brevo refused); the rows not sent stay out of both. */
    public List<ImportBatch> halves() {
        ImportBatch first = new ImportBatch(maxRows, maxBytes);
        ImportBatch second = new ImportBatch(maxRows, maxBytes);
        for (int i = 0; i < rows.size(); i++) {
            (i < rows.size() / 2 ? first : second).add(rows.get(i));
        }
        return List.of(first, second);
    }

    /** Ready to send as the run's batch {@code number}: its request body is made now (see {@link #importRequest}). */
    public ImportBatch ready(int number, long listId, boolean sendBlanks) {
        this.number = number;
        this.request = importRequest(listId, sendBlanks);
        return this;
    }

    /** The batch's number in its run, once {@link #ready}. */
    public int getNumber() {
        return number;
    }

    /** The import request body, once {@link #ready}. */
    public byte[] getRequest() {
        return request;
    }

    /**
     * The import request body, assembled from the rows' JSON without serialising them again. Blank values erase what
     * Brevo holds only when the export sends blanks (emptyContactsAttributes); rows then carry them as "".
     */
    public byte[] importRequest(long listId, boolean sendBlanks) {
        byte[] head = ("{\"listIds\":[" + listId + "],\"updateExistingContacts\":true,\"emptyContactsAttributes\":" + sendBlanks + ",\"jsonBody\":[")
                .getBytes(StandardCharsets.UTF_8);
        int length = head.length + Math.max(0, rows.size() - 1) + 2;
        for (ExportRow row : rows) {
            length += row.json().length;
        }
        // written into an array of its exact size: the body is ~8 MB, and a stream's buffer and copy were twice that
        byte[] body = new byte[length];
        System.arraycopy(head, 0, body, 0, head.length);
        int at = head.length;
        for (int i = 0; i < rows.size(); i++) {
            if (i > 0) {
                body[at++] = ',';
            }
            byte[] json = rows.get(i).json();
            System.arraycopy(json, 0, body, at, json.length);
            at += json.length;
        }
        body[at++] = ']';
        body[at] = '}';
        return body;
    }
}
