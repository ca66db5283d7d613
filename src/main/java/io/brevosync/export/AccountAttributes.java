package io.brevosync.export;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.brevosync.brevo.BrevoAnswers;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;

/**
 * The attributes of each connection's Brevo account, as GET /v3/contacts/attributes last answered, for the reload's
 * check of the mappings of the exports added or changed (routes/export-files.camel.yaml): Brevo drops the values of an
 * attribute the account does not have without a word. An answer is kept a minute, so exports changed together cost
 * one call per connection; POST /api/exports/reload and creating an attribute forget it, so what changed in the
 * account is seen at once.
 */
public final class AccountAttributes {

    /** How long an answer is used. */
    static final Duration KEEP = Duration.ofMinutes(1);

    /** An attribute the reload creates for an export with createAttributes: true (POST brevoPath with request). */
    public record NewAttribute(String exportId, String connection, String name, String mappedType, String brevoType) {

        public String getPath() {
            return "/contacts/attributes/normal/" + name;
        }

        public String getRequest() {
            return "{\"type\":\"" + brevoType + "\"}";
        }

        /** For the audit log: what was created, where and why. */
        public String getDetail() {
            return "attribute " + name + " (" + brevoType + ") created in the Brevo account of connection '" + connection + "' for export '" + exportId
                    + "' (mapped as " + mappedType + ", createAttributes: true)";
        }

        public String getTarget() {
            return "connections/" + connection + "/attributes/" + name;
        }
    }

    private record Read(Map<String, String> types, Instant at) {
    }

    private final Map<String, Read> accounts = new ConcurrentHashMap<>();
    private final Clock clock;

    public AccountAttributes() {
        this(Clock.systemUTC());
    }

    AccountAttributes(Clock clock) {
        this.clock = clock;
    }

    /** True when the connection's attributes are to be read (again) before checking an export on it. */
    public boolean stale(@ExchangeProperty("connection") String connection) {
        Read read = accounts.get(connection);
        return read == null || read.at().plus(KEEP).isBefore(clock.instant());
    }

    /** Brevo's answer to GET /v3/contacts/attributes on the connection. */
    public void read(@Body Map<?, ?> answer, @ExchangeProperty("connection") String connection) {
        accounts.put(connection, new Read(BrevoAnswers.attributeTypes(answer), clock.instant()));
    }

    /** The attributes could not be read: the change says what that means for its export. */
    public void notRead(Exchange exchange, @ExchangeProperty("exportChange") ExportReload.Change change) {
        accounts.remove(change.getConnection());
        change.attributesNotRead(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
    }

    /** Checks the change's mapping against its account (unless reading the account failed and the change went on unchecked). */
    public void check(@ExchangeProperty("exportChange") ExportReload.Change change) {
        Read read = accounts.get(change.getConnection());
        if (read != null) {
            change.checkAttributes(read.types());
        }
    }

    /** Brevo created the attribute: the account's answer is read again before the next check on the connection. */
    public void created(@ExchangeProperty("newAttribute") NewAttribute attribute) {
        accounts.remove(attribute.connection());
    }

    /** Brevo refused to create the attribute, or could not be reached: the export is not put in force. */
    public void notCreated(Exchange exchange, @ExchangeProperty("exportChange") ExportReload.Change change,
            @ExchangeProperty("newAttribute") NewAttribute attribute) {
        accounts.remove(attribute.connection());
        change.attributeNotCreated(attribute, exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
    }

    /** POST /api/exports/reload: every account is read again. */
    public void forgetAll() {
        accounts.clear();
    }

    /**
     * The problems of the mapping against the account's attributes (name to Brevo type), and the attributes to create
     * (added to toCreate) where the export says createAttributes: true and the mapped type can be created as it is.
     */
    static List<String> problems(ExportDefinition export, Map<String, String> types, List<NewAttribute> toCreate) {
        List<String> problems = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (MappedAttribute mapped : export.mapping().values()) {
            String type = types.get(mapped.attribute());
            if (mapped.attribute().equals("EMAIL")) {
                continue;
            }
            if (type != null) {
                if (!mapped.isPhone() && !mapped.fits(type)) {
                    problems.add(mapped.attribute() + " is a " + type + " attribute in Brevo but mapped as " + mapped.type()
                            + " (Brevo would drop the values; map it as " + mappedTypeOf(type) + " or use another attribute)");
                }
            } else if (!export.quality().createAttributes()) {
                missing.add(mapped.attribute());
            } else if (mapped.type().equals(MappedAttribute.MULTIPLE_CHOICE)) {
                problems.add(mapped.attribute() + " does not exist in the Brevo account and a multiple-choice attribute needs its options: create it in Brevo");
            } else {
                toCreate.add(new NewAttribute(export.id(), export.connection(), mapped.attribute(), mapped.type(), brevoType(mapped.type())));
            }
        }
        if (!missing.isEmpty()) {
            problems.add(String.join(", ", missing) + (missing.size() == 1 ? " does" : " do") + " not exist in the Brevo account of connection '"
                    + export.connection() + "', which has " + types.keySet() + "; Brevo would drop these values without a word: fix the mapping, "
                    + "create the attribute in Brevo, or set createAttributes: true (checkAttributes: false sends unchecked)");
        }
        return problems;
    }

    /** The type an attribute is created with for a mapped type: Brevo's own phone identifiers exist in every account, others hold text. */
    static String brevoType(String mappedType) {
        return switch (mappedType) {
            case MappedAttribute.NUMBER -> "float";
            case MappedAttribute.DATE, MappedAttribute.BOOLEAN, MappedAttribute.MULTIPLE_CHOICE -> mappedType;
            default -> "text";
        };
    }

    /** The mapped type that takes a Brevo type's values, for the message of a mismatch. */
    private static String mappedTypeOf(String brevoType) {
        return switch (brevoType) {
            case "float", "id" -> MappedAttribute.NUMBER;
            case "date", "boolean", "multiple-choice" -> brevoType;
            default -> "text";
        };
    }
}
