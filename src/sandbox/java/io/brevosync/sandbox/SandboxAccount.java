package io.brevosync.sandbox;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The data of one Brevo account (one API key): contacts, attributes, lists, processes. Brevo's rules live here; HTTP
 * lives in {@link BrevoSandbox}. Every read and write takes the account's lock, imports run on the account's own
 * thread, one after the other, as Brevo's queue does.
 */
public final class SandboxAccount {

    /** Brevo's documented cap on list add/remove identifiers per call. */
    static final int MAX_LIST_IDENTIFIERS = 150;

    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$");
    private static final Pattern PHONE_NOISE = Pattern.compile("[\\s\\-.()/]");
    private static final Pattern PHONE_DIGITS = Pattern.compile("[1-9]\\d{7,14}");
    private static final Pattern DATE = Pattern.compile("^\\d{4}-\\d{2}-\\d{2}$");

    final String name;
    private final String apiKey;
    final RateLimits limits;
    private final Clock clock;
    private final Faults faults;
    private final ImportReports reports;

    private final Map<Long, Contact> byId = new HashMap<>();
    private final Map<String, Contact> byEmail = new HashMap<>();
    private final Map<String, Contact> bySms = new HashMap<>();
    private final Map<String, Contact> byExtId = new HashMap<>();
    private final Map<String, String> attributeTypes = new LinkedHashMap<>();
    private final Map<Long, ContactList> lists = new TreeMap<>();
    private final Map<Long, ImportProcess> processes = new TreeMap<>();
    private final AtomicLong nextContactId = new AtomicLong(1);
    private final AtomicLong nextListId = new AtomicLong(1);
    private final AtomicLong nextProcessId = new AtomicLong(1);
    private final ExecutorService importQueue;

    SandboxAccount(String name, String apiKey, RateLimits limits, Faults faults, ImportReports reports, Clock clock) {
        this.name = name;
        this.reports = reports;
        this.apiKey = apiKey;
        this.limits = limits;
        this.faults = faults;
        this.clock = clock;
        this.importQueue = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sandbox-import-" + name);
            t.setDaemon(true);
            return t;
        });
        // the attributes every new Brevo account has, plus the identifier attributes
        for (String text : new String[] {"FIRSTNAME", "LASTNAME", "SMS", "WHATSAPP", "LANDLINE_NUMBER", "EXT_ID"}) {
            attributeTypes.put(text, "text");
        }
    }

    /** The account's key, for the in-process demo wiring and tests; the sandbox never logs or returns it. */
    public String apiKey() {
        return apiKey;
    }

    // ---- set-up and inspection (used by the admin endpoints and by tests) ----

    public synchronized void defineAttribute(String attribute, String type) {
        if (!Set.of("text", "float", "date", "boolean", "multiple-choice").contains(type)) {
            throw new IllegalArgumentException("unknown attribute type " + type + " for " + attribute);
        }
        attributeTypes.put(attribute.toUpperCase(), type);
    }

    /**
     * POST /v3/contacts/attributes/{attributeCategory}/{attributeName}: a normal attribute of a type (text, date, float,
     * boolean, multiple-choice); other categories are not simulated, and a name the account has is refused.
     */
    synchronized void createAttribute(String category, String name, JsonNode request) {
        if (!category.equals("normal")) {
            throw BrevoError.badRequest("Only normal attributes are simulated by the Brevo sandbox, not " + category);
        }
        String type = request.path("type").asText("text");
        if (!name.matches("[A-Za-z][A-Za-z0-9_]*")) {
            throw BrevoError.badRequest("Invalid attribute name " + name);
        }
        if (attributeTypes.containsKey(name.toUpperCase())) {
            throw new BrevoError(400, "duplicate_parameter", "Attribute " + name.toUpperCase() + " already exists");
        }
        if (!Set.of("text", "float", "date", "boolean", "multiple-choice").contains(type)) {
            throw BrevoError.badRequest("Invalid attribute type " + type);
        }
        attributeTypes.put(name.toUpperCase(), type);
    }

    public synchronized long createList(String listName, long folderId) {
        long id = nextListId.getAndIncrement();
        lists.put(id, new ContactList(id, listName, folderId, clock.instant()));
        return id;
    }

    /** Takes the list away, as deleting it in Brevo does; answers what puts it back as it was. */
    public synchronized Runnable removeList(long listId) {
        ContactList list = lists.remove(listId);
        return () -> {
            synchronized (this) {
                lists.put(listId, list);
            }
        };
    }

    /** The members of a list with their email, SMS and attributes, in the order they joined. */
    public synchronized List<Map<String, Object>> members(long listId) {
        ContactList list = list(listId);
        List<Map<String, Object>> out = new ArrayList<>(list.members.size());
        for (Long id : list.members) {
            out.add(contactJson(byId.get(id)));
        }
        return out;
    }

    public synchronized int contactCount() {
        return byId.size();
    }

    synchronized void reset() {
        byId.clear();
        byEmail.clear();
        bySms.clear();
        byExtId.clear();
        lists.clear();
        processes.clear();
        nextContactId.set(1);
        nextListId.set(1);
        nextProcessId.set(1);
    }

    void shutdown() {
        importQueue.shutdownNow();
    }

    // ---- /v3/contacts/import and /v3/processes ----

    /** Checks an import request, queues it and answers its process id; the rows are applied later on the import thread. */
    public long importContacts(JsonNode request, HttpNotifier notifier) {
        List<ImportRow> rows = importRows(request);
        String bad = faults.badRowIn(rows.stream().map(ImportRow::email).toList());
        if (bad != null) {
            throw new BrevoError(400, "invalid_parameter", "Invalid contact in jsonBody: " + bad + " (sandbox fault switch badRows)");
        }
        if (faults.refusesTakenSms() && carriesTakenSms(rows)) {
            throw BrevoError.duplicate("Unable to update contact, SMS is already associated with another Contact", List.of("SMS"));
        }
        if (rows.stream().noneMatch(ImportRow::hasIdentifier)) {
            throw BrevoError.badRequest("We could not find any valid email or SMS or Contact ID in the file you uploaded. "
                    + "Please add at least one valid email address or SMS (e.g: +33xxxxxxxxx or 0033xxxxxxxxx where +33 is the "
                    + "country code) or Contact ID. Also check that you are not using space as a delimiter");
        }
        boolean update = request.path("updateExistingContacts").asBoolean(true);
        boolean eraseEmpty = request.path("emptyContactsAttributes").asBoolean(false);
        boolean emailBlacklist = request.path("emailBlacklist").asBoolean(false);
        boolean smsBlacklist = request.path("smsBlacklist").asBoolean(false);
        String notifyUrl = request.path("notifyUrl").asText(null);
        ImportProcess process;
        List<Long> listIds;
        synchronized (this) {
            listIds = importListIds(request);
            process = new ImportProcess(nextProcessId.getAndIncrement(), "IMPORTUSER", clock.instant());
            processes.put(process.id, process);
        }
        importQueue.submit(() -> {
            // Brevo answers both while an import runs: in_process for the first half of the delay, then processing
            process.status = "in_process";
            BrevoSandbox.pause(faults.importDelayMs() / 2);
            process.status = "processing";
            BrevoSandbox.pause(faults.importDelayMs() - faults.importDelayMs() / 2);
            String failed = faults.failImport();
            if (failed == null) {
                synchronized (this) {
                    if (processes.get(process.id) != process) {
                        return; // forgotten (forgetProcesses): Brevo lost the import
                    }
                    applyImport(process, rows, listIds, update, eraseEmpty, emailBlacklist, smsBlacklist);
                }
            }
            process.endedAt = clock.instant();
            process.status = failed == null ? "completed" : failed;
            if (notifyUrl != null) {
                notifier.notify(notifyUrl, process.toJson(reports));
            }
        });
        return process.id;
    }

    public synchronized Map<String, Object> process(long id) {
        ImportProcess process = processes.get(id);
        if (process == null) {
            // document_not_found since Brevo's 2026-04 definition (invalid_parameter before)
            throw BrevoError.notFound("Process does not exist");
        }
        return process.toJson(reports);
    }

    /** Every process, oldest first, with when it was received and ended (not Brevo's: the sandbox's inspection). */
    public synchronized List<Map<String, Object>> processInspection() {
        return processes.values().stream().map(ImportProcess::inspection).toList();
    }

    /** Brevo lost every process, and the imports still unfinished with them (GET /v3/processes/{id} answers 404). */
    public synchronized int forgetProcesses() {
        int forgotten = processes.size();
        processes.clear();
        return forgotten;
    }

    public synchronized Map<String, Object> processes(int limit, int offset, boolean ascending) {
        checkRange("limit", limit, 0, 50);
        return Map.of("processes", page(processes.values(), limit, offset, ascending, p -> p.toJson(reports)), "count", processes.size());
    }

    private List<Long> importListIds(JsonNode request) {
        JsonNode newList = request.path("newList");
        if (!newList.isMissingNode() && !newList.isNull()) {
            String listName = newList.path("listName").asText("");
            if (listName.isBlank()) {
                throw new BrevoError(400, "missing_parameter", "newList.listName is mandatory");
            }
            return List.of(createList(listName, newList.path("folderId").asLong(1)));
        }
        List<Long> ids = new ArrayList<>();
        request.path("listIds").forEach(n -> ids.add(n.asLong()));
        if (ids.isEmpty()) {
            throw new BrevoError(400, "missing_parameter", "listIds is mandatory if newList is not defined");
        }
        for (Long id : ids) {
            list(id);
        }
        return ids;
    }

    private static List<ImportRow> importRows(JsonNode request) {
        if (request.hasNonNull("jsonBody")) {
            JsonNode body = request.get("jsonBody");
            if (!body.isArray()) {
                throw BrevoError.badRequest("jsonBody must be an array of contacts");
            }
            List<ImportRow> rows = new ArrayList<>(body.size());
            for (JsonNode item : body) {
                Map<String, Object> attributes = new LinkedHashMap<>();
                item.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey().toUpperCase(), jsonValue(e.getValue())));
                rows.add(new ImportRow(item.path("email").asText(null), attributes));
            }
            return rows;
        }
        if (request.hasNonNull("fileBody")) {
            return csvRows(request.get("fileBody").asText());
        }
        if (request.hasNonNull("fileUrl")) {
            throw BrevoError.badRequest("fileUrl imports are not simulated by the sandbox; send jsonBody or fileBody");
        }
        throw new BrevoError(400, "missing_parameter", "One of fileUrl, fileBody or jsonBody is mandatory");
    }

    /** fileBody: CSV with a header line, attributes separated by semicolons (as Brevo documents). */
    private static List<ImportRow> csvRows(String fileBody) {
        String[] lines = fileBody.split("\\r?\\n");
        String[] header = lines[0].split(";", -1);
        List<ImportRow> rows = new ArrayList<>(lines.length);
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] cells = lines[i].split(";", -1);
            String email = null;
            Map<String, Object> attributes = new LinkedHashMap<>();
            for (int c = 0; c < header.length && c < cells.length; c++) {
                String column = header[c].trim().toUpperCase();
                if (column.equals("EMAIL")) {
                    email = cells[c];
                } else {
                    attributes.put(column, cells[c]);
                }
            }
            rows.add(new ImportRow(email, attributes));
        }
        return rows;
    }

    /** Whether a row's SMS number belongs to a contact other than the row's own (found by its email). */
    private synchronized boolean carriesTakenSms(List<ImportRow> rows) {
        for (ImportRow row : rows) {
            Object sms = row.attributes().get("SMS");
            Contact holder = sms == null ? null : bySms.get(normalisePhone(String.valueOf(sms)));
            if (holder != null && holder != byEmail.get(normaliseEmail(row.email()))) {
                return true;
            }
        }
        return false;
    }

    private void applyImport(ImportProcess process, List<ImportRow> rows, List<Long> listIds, boolean update,
            boolean eraseEmpty, boolean emailBlacklist, boolean smsBlacklist) {
        Set<String> seenEmails = new HashSet<>(rows.size() * 2);
        Set<String> seenSms = new HashSet<>(rows.size() * 2);
        for (ImportRow row : rows) {
            String email = normaliseEmail(row.email());
            if (row.email() != null && !row.email().isBlank() && (email == null || faults.rejects(email))) {
                process.problem("invalid_emails", row.email(), row.attributes(), "Invalid email address");
                continue;
            }
            Object smsValue = row.attributes().get("SMS");
            String sms = smsValue == null ? null : normalisePhone(String.valueOf(smsValue));
            if (email == null && sms == null) {
                continue;
            }
            if (email != null && !seenEmails.add(email)) {
                process.problem("duplicate_email_id", row.email(), row.attributes(), "Email address appears more than once in the import");
                continue;
            }
            Contact contact = email != null ? byEmail.get(email) : bySms.get(sms);
            Contact holder = sms == null ? null : bySms.get(sms);
            if (holder != null && contact != null && holder != contact && faults.mergesIdentifiers() && seenSms.add(sms)) {
                // Brevo's Help Center: a row linking identifiers of two contacts merges them into the contact of the
                // higher-priority identifier (email over SMS) and deletes the other, with its history
                delete(holder);
            } else if (sms != null && (!seenSms.add(sms) || (holder != null && holder != contact))) {
                // the number belongs to someone else: the row is imported without it
                process.problem("duplicate_phone_id", row.email(), row.attributes(), "SMS is already associated with another Contact");
                sms = null;
                if (email == null) {
                    continue;
                }
            }
            if (contact == null) {
                contact = newContact(email);
            } else if (!update) {
                addToLists(contact, listIds);
                continue;
            }
            applyAttributes(contact, row.attributes(), eraseEmpty);
            if (sms != null) {
                setSms(contact, sms);
            }
            contact.emailBlacklisted |= emailBlacklist;
            contact.smsBlacklisted |= smsBlacklist;
            contact.modifiedAt = clock.instant();
            addToLists(contact, listIds);
        }
    }

    // ---- /v3/contacts ----

    /** POST /v3/contacts: 201 with the new id, or null when an existing contact was updated (204). */
    public synchronized Long createContact(JsonNode request) {
        String rawEmail = request.path("email").asText(null);
        String email = normaliseEmail(rawEmail);
        if (rawEmail != null && (email == null || faults.rejects(email))) {
            throw BrevoError.badRequest("Invalid email address");
        }
        Map<String, Object> attributes = new LinkedHashMap<>();
        request.path("attributes").fields().forEachRemaining(e -> attributes.put(e.getKey().toUpperCase(), jsonValue(e.getValue())));
        String sms = null;
        if (attributes.get("SMS") != null) {
            sms = normalisePhone(String.valueOf(attributes.get("SMS")));
            if (sms == null) {
                throw BrevoError.badRequest("Invalid phone number");
            }
        }
        String extId = request.path("ext_id").asText(null);
        if (email == null && sms == null && extId == null) {
            throw new BrevoError(400, "missing_parameter", "email, ext_id or attributes.SMS is mandatory");
        }
        Contact existing = email != null ? byEmail.get(email) : sms != null ? bySms.get(sms) : byExtId.get(extId);
        boolean updateEnabled = request.path("updateEnabled").asBoolean(false);
        if (existing != null && !updateEnabled) {
            throw BrevoError.duplicate("Unable to create contact, email is already associated with another Contact",
                    List.of(email != null ? "email" : sms != null ? "SMS" : "ext_id"));
        }
        if (sms != null && bySms.containsKey(sms) && bySms.get(sms) != existing) {
            throw BrevoError.duplicate("Unable to update contact, SMS is already associated with another Contact", List.of("SMS"));
        }
        List<Long> listIds = new ArrayList<>();
        request.path("listIds").forEach(n -> listIds.add(n.asLong()));
        listIds.forEach(this::list);
        Contact contact = existing != null ? existing : newContact(email);
        applyAttributes(contact, attributes, false);
        if (sms != null) {
            setSms(contact, sms);
        }
        if (extId != null) {
            byExtId.put(extId, contact);
            contact.extId = extId;
        }
        contact.emailBlacklisted = request.path("emailBlacklisted").asBoolean(contact.emailBlacklisted);
        contact.smsBlacklisted = request.path("smsBlacklisted").asBoolean(contact.smsBlacklisted);
        contact.modifiedAt = clock.instant();
        addToLists(contact, listIds);
        return existing == null ? contact.id : null;
    }

    /** A contact by its identifier: of the given type (email_id, phone_id, contact_id), or (none given) as Brevo guesses it. */
    public synchronized Map<String, Object> contact(String identifier, String identifierType) {
        Contact contact = switch (identifierType == null ? "" : identifierType) {
            case "" -> find(identifier);
            case "email_id" -> byEmail.get(identifier.trim().toLowerCase());
            case "phone_id" -> normalisePhone(identifier) == null ? null : bySms.get(normalisePhone(identifier));
            case "contact_id" -> identifier.matches("\\d{1,18}") ? byId.get(Long.parseLong(identifier)) : null;
            default -> throw BrevoError.badRequest("identifierType must be one of email_id, phone_id, contact_id, ext_id, whatsapp_id, landline_number_id");
        };
        if (contact == null) {
            throw BrevoError.notFound("Contact does not exist");
        }
        Map<String, Object> json = contactJson(contact);
        json.put("statistics", Map.of());
        return json;
    }

    public synchronized Map<String, Object> attributes() {
        List<Map<String, Object>> out = new ArrayList<>();
        attributeTypes.forEach((attribute, type) -> out.add(Map.of("name", attribute, "category", "normal", "type", type)));
        return Map.of("attributes", out);
    }

    // ---- /v3/contacts/lists ----

    public synchronized Map<String, Object> lists(int limit, int offset, boolean ascending) {
        checkRange("limit", limit, 0, 50);
        return Map.of("lists", page(lists.values(), limit, offset, ascending, list -> listJson(list, false)), "count", lists.size());
    }

    public synchronized Map<String, Object> listDetails(long listId) {
        return listJson(list(listId), true);
    }

    /** A page of the list's contacts; modifiedSince (ISO date-time) keeps those modified after it, as Brevo does. */
    public synchronized Map<String, Object> listContacts(long listId, int limit, int offset, boolean ascending, String modifiedSince) {
        checkRange("limit", limit, 0, 500);
        ContactList list = list(listId);
        Collection<Long> members = list.members;
        if (modifiedSince != null) {
            Instant since;
            try {
                since = java.time.OffsetDateTime.parse(modifiedSince).toInstant();
            } catch (java.time.format.DateTimeParseException e) {
                throw BrevoError.badRequest("modifiedSince must be a date-time such as 2026-01-01T00:00:00.000Z");
            }
            members = members.stream().filter(id -> byId.get(id).modifiedAt.isAfter(since)).toList();
        }
        return Map.of("contacts", page(members, limit, offset, ascending, id -> contactJson(byId.get(id))), "count", members.size());
    }

    /** POST …/contacts/add and …/contacts/remove: link or unlink existing contacts, never create one. */
    public synchronized Map<String, Object> changeMembership(long listId, JsonNode request, boolean add) {
        ContactList list = list(listId);
        if (!add && request.path("all").asBoolean(false)) {
            int total = list.members.size();
            list.members.clear();
            ImportProcess process = new ImportProcess(nextProcessId.getAndIncrement(), "LIST_CONTACTS_REMOVE", clock.instant());
            process.status = "completed";
            processes.put(process.id, process);
            return Map.of("contacts", Map.of("success", List.of(), "failure", List.of(), "total", total, "processId", process.id));
        }
        if (!add && faults.refuseUnlink()) {
            throw new BrevoError(403, "permission_denied", "This key may not remove contacts from lists (sandbox fault switch nextRefusedUnlinks)");
        }
        String field = identifierField(request);
        JsonNode identifiers = request.get(field);
        if (!identifiers.isArray() || identifiers.isEmpty() || identifiers.size() > MAX_LIST_IDENTIFIERS) {
            throw new BrevoError(400, "out_of_range",
                    field + " must hold between 1 and " + MAX_LIST_IDENTIFIERS + " items, got " + identifiers.size());
        }
        List<Object> success = new ArrayList<>();
        List<Object> failure = new ArrayList<>();
        for (JsonNode identifier : identifiers) {
            Contact contact = switch (field) {
                case "emails" -> byEmail.get(normaliseEmail(identifier.asText()));
                case "ids" -> byId.get(identifier.asLong());
                default -> byExtId.get(identifier.asText());
            };
            Object echo = field.equals("ids") ? (Object) identifier.asLong() : identifier.asText();
            boolean changed = contact != null && (add ? list.members.add(contact.id) : list.members.remove(contact.id));
            (changed ? success : failure).add(echo);
        }
        if (success.isEmpty()) {
            // Brevo's real answer when nothing could be changed, instead of a 201 with an empty success list
            throw BrevoError.badRequest("Contact already in list and/or does not exist");
        }
        return Map.of("contacts", Map.of("success", success, "failure", failure));
    }

    private static String identifierField(JsonNode request) {
        List<String> present = new ArrayList<>();
        for (String field : new String[] {"emails", "ids", "extIds"}) {
            if (request.hasNonNull(field)) {
                present.add(field);
            }
        }
        if (present.size() != 1) {
            throw BrevoError.badRequest("Pass exactly one of emails, ids or extIds");
        }
        return present.get(0);
    }

    // ---- helpers ----

    private ContactList list(long listId) {
        ContactList list = lists.get(listId);
        if (list == null) {
            throw BrevoError.notFound("List ID does not exist");
        }
        return list;
    }

    private Contact find(String identifier) {
        Contact contact = byEmail.get(identifier.trim().toLowerCase());
        if (contact == null && identifier.matches("\\d{1,18}")) {
            contact = byId.get(Long.parseLong(identifier));
        }
        if (contact == null) {
            String sms = normalisePhone(identifier);
            contact = sms == null ? null : bySms.get(sms);
        }
        return contact;
    }

    private Contact newContact(String email) {
        Contact contact = new Contact(nextContactId.getAndIncrement(), clock.instant());
        contact.email = email;
        byId.put(contact.id, contact);
        if (email != null) {
            byEmail.put(email, contact);
        }
        return contact;
    }

    /** Deletes a contact: out of every list, its identifiers free. */
    private void delete(Contact contact) {
        byId.remove(contact.id);
        byEmail.remove(contact.email, contact);
        bySms.remove(contact.sms, contact);
        if (contact.extId != null) {
            byExtId.remove(contact.extId, contact);
        }
        lists.values().forEach(list -> list.members.remove(contact.id));
    }

    private void setSms(Contact contact, String sms) {
        if (contact.sms != null) {
            bySms.remove(contact.sms);
        }
        contact.sms = sms;
        contact.attributes.put("SMS", sms);
        bySms.put(sms, contact);
    }

    private void addToLists(Contact contact, Collection<Long> listIds) {
        for (Long listId : listIds) {
            lists.get(listId).members.add(contact.id);
        }
    }

    /** Unknown attributes and values of the wrong type are ignored, as Brevo does; blanks erase only when asked. */
    private void applyAttributes(Contact contact, Map<String, Object> attributes, boolean eraseEmpty) {
        attributes.forEach((attribute, value) -> {
            String type = attributeTypes.get(attribute);
            if (type == null || attribute.equals("SMS")) {
                return;
            }
            if (value == null || (value instanceof String s && s.isEmpty())) {
                if (eraseEmpty) {
                    contact.attributes.remove(attribute);
                }
                return;
            }
            Object typed = typed(type, value);
            if (typed != null) {
                contact.attributes.put(attribute, typed);
            }
        });
    }

    private static Object typed(String type, Object value) {
        switch (type) {
            case "float":
                if (value instanceof Number) {
                    return value;
                }
                try {
                    return Double.parseDouble(String.valueOf(value));
                } catch (NumberFormatException e) {
                    return null;
                }
            case "boolean":
                if (value instanceof Boolean) {
                    return value;
                }
                String b = String.valueOf(value).toLowerCase();
                return b.equals("true") || b.equals("false") ? Boolean.valueOf(b) : null;
            case "date":
                return DATE.matcher(String.valueOf(value)).matches() ? String.valueOf(value) : null;
            case "multiple-choice":
                return value instanceof List ? value : List.of(String.valueOf(value));
            default:
                return value instanceof String ? value : String.valueOf(value);
        }
    }

    private Map<String, Object> contactJson(Contact contact) {
        Map<String, Object> json = new LinkedHashMap<>();
        if (contact.email != null) {
            json.put("email", contact.email);
        }
        json.put("id", contact.id);
        json.put("emailBlacklisted", contact.emailBlacklisted);
        json.put("smsBlacklisted", contact.smsBlacklisted);
        json.put("whatsappBlacklisted", false);
        json.put("createdAt", contact.createdAt.toString());
        json.put("modifiedAt", contact.modifiedAt.toString());
        List<Long> listIds = new ArrayList<>();
        lists.values().forEach(l -> {
            if (l.members.contains(contact.id)) {
                listIds.add(l.id);
            }
        });
        json.put("listIds", listIds);
        json.put("attributes", new LinkedHashMap<>(contact.attributes));
        return json;
    }

    private Map<String, Object> listJson(ContactList list, boolean extended) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", list.id);
        json.put("name", list.name);
        int blacklisted = 0;
        for (Long id : list.members) {
            blacklisted += byId.get(id).emailBlacklisted ? 1 : 0;
        }
        json.put("totalBlacklisted", blacklisted);
        json.put("totalSubscribers", list.members.size() - blacklisted);
        json.put("uniqueSubscribers", list.members.size());
        json.put("folderId", list.folderId);
        if (extended) {
            json.put("createdAt", list.createdAt.toString());
        }
        return json;
    }

    /** One page of a listing in Brevo's order: oldest first when ascending, newest first otherwise (Brevo's default). */
    private static <T> List<Map<String, Object>> page(Collection<T> all, int limit, int offset, boolean ascending, Function<T, Map<String, Object>> json) {
        List<T> ordered = new ArrayList<>(all);
        if (!ascending) {
            Collections.reverse(ordered);
        }
        return ordered.stream().skip(offset).limit(limit).map(json).toList();
    }

    private static void checkRange(String parameter, int value, int min, int max) {
        if (value < min || value > max) {
            throw new BrevoError(400, "out_of_range", parameter + " must be between " + min + " and " + max);
        }
    }

    private static Object jsonValue(JsonNode node) {
        if (node.isNull()) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        if (node.isArray()) {
            List<String> values = new ArrayList<>();
            node.forEach(v -> values.add(v.asText()));
            return values;
        }
        return node.asText();
    }

    static String normaliseEmail(String email) {
        if (email == null) {
            return null;
        }
        String trimmed = email.trim().toLowerCase();
        return EMAIL.matcher(trimmed).matches() ? trimmed : null;
    }

    /**
     * An SMS number must carry its country code: +CC…, 00CC… or CC… (digits, 8 to 15 of them); a local number such as
     * 0612345678 is refused. Answers the E.164 form or null.
     */
    static String normalisePhone(String phone) {
        String digits = PHONE_NOISE.matcher(phone.trim()).replaceAll("");
        if (digits.startsWith("+")) {
            digits = digits.substring(1);
        } else if (digits.startsWith("00")) {
            digits = digits.substring(2);
        } else if (digits.startsWith("0")) {
            return null;
        }
        return PHONE_DIGITS.matcher(digits).matches() ? "+" + digits : null;
    }

    private record ImportRow(String email, Map<String, Object> attributes) {
        boolean hasIdentifier() {
            return normaliseEmail(email) != null
                    || (attributes.get("SMS") != null && normalisePhone(String.valueOf(attributes.get("SMS"))) != null);
        }
    }

    /** Where a finished import reports to (Brevo calls the request's notifyUrl). */
    public interface HttpNotifier {
        void notify(String url, Map<String, Object> process);
    }
}
