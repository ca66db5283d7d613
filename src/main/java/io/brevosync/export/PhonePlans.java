package io.brevosync.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneMetadata;
import com.google.i18n.phonenumbers.Phonemetadata.PhoneNumberDesc;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import com.google.i18n.phonenumbers.metadata.DefaultMetadataDependenciesProvider;
import com.google.i18n.phonenumbers.metadata.source.MetadataSource;

/**
 * The answer of libphonenumber's {@code isValidNumber} (the number fits its region's plan as a number of some type),
 * from the same metadata, with each region's patterns compiled once and the likely types (mobile, fixed line) tried
 * first. libphonenumber looks every pattern up in a synchronized cache and tries ten types in a fixed order: that was
 * a fifth of the CPU of mapping a row. A test holds the two to the same answers.
 */
final class PhonePlans {

    private static final PhoneNumberUtil PHONES = PhoneNumberUtil.getInstance();
    private static final MetadataSource METADATA = DefaultMetadataDependenciesProvider.getInstance().getPhoneNumberMetadataSource();
    /** libphonenumber's region code of the non-geographical numbers (+800, +808…) */
    private static final String WORLD = "001";
    private static final Map<String, Plan> PLANS = new ConcurrentHashMap<>();
    /** country calling code -> the plan of its only region; SHARED when several regions have it (+1, +7, +44…) */
    private static final AtomicReferenceArray<Plan> BY_CODE = new AtomicReferenceArray<>(1000);
    private static final Plan SHARED = new Plan(-1, null, List.of());

    private PhonePlans() {
    }

    static boolean isValid(PhoneNumber number) {
        String region = PHONES.getRegionCodeForNumber(number);
        return region != null && plan(region, number.getCountryCode()).fits(number.getCountryCode(), PHONES.getNationalSignificantNumber(number));
    }

    /**
     * The same answer for a number in parts, its national number without leading zero (as E.164 writes it): no
     * PhoneNumber is made, nor its national number written again, unless several regions share the country code and
     * libphonenumber has to tell which one the number is of.
     */
    static boolean isValid(int countryCode, String nationalNumber) {
        if (countryCode < 1 || countryCode >= BY_CODE.length()) {
            return false;
        }
        Plan plan = BY_CODE.get(countryCode);
        if (plan == null) {
            List<String> regions = PHONES.getRegionCodesForCountryCode(countryCode);
            plan = regions.size() == 1 ? plan(regions.get(0), countryCode) : regions.isEmpty() ? Plan.of(null) : SHARED;
            BY_CODE.set(countryCode, plan);
        }
        return plan == SHARED ? isValid(new PhoneNumber().setCountryCode(countryCode).setNationalNumber(Long.parseLong(nationalNumber)))
                : plan.fits(countryCode, nationalNumber);
    }

    private static Plan plan(String region, int countryCode) {
        return PLANS.computeIfAbsent(region.equals(WORLD) ? WORLD + countryCode : region, key -> Plan.of(region.equals(WORLD)
                ? METADATA.getMetadataForNonGeographicalRegion(countryCode) : METADATA.getMetadataForRegion(region)));
    }

    /** One region's plan: its general pattern and those of its number types. A region without metadata fits nothing. */
    private record Plan(int countryCode, Desc general, List<Desc> types) {

        static Plan of(PhoneMetadata metadata) {
            if (metadata == null) {
                return new Plan(-1, null, List.of());
            }
            List<Desc> types = new ArrayList<>();
            for (PhoneNumberDesc desc : List.of(metadata.getMobile(), metadata.getFixedLine(), metadata.getTollFree(), metadata.getPremiumRate(),
                    metadata.getSharedCost(), metadata.getVoip(), metadata.getPersonalNumber(), metadata.getPager(), metadata.getUan(),
                    metadata.getVoicemail())) {
                Desc type = Desc.of(desc);
                if (type != null) {
                    types.add(type);
                }
            }
            return new Plan(metadata.getCountryCode(), Desc.of(metadata.getGeneralDesc()), List.copyOf(types));
        }

        boolean fits(int numberCountryCode, String nationalNumber) {
            if (numberCountryCode != countryCode || general == null || !general.matches(nationalNumber)) {
                return false;
            }
            for (Desc type : types) {
                if (type.matches(nationalNumber)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * A number type's possible lengths (empty: any) and pattern; null for a type the region does not have. Each thread
     * keeps its own matcher of the pattern: a new one per number was two arrays and a matcher, ~400 MB of garbage a
     * million numbers.
     */
    private record Desc(List<Integer> lengths, ThreadLocal<Matcher> matcher) {

        static Desc of(PhoneNumberDesc desc) {
            if (desc == null || desc.getNationalNumberPattern().isEmpty()) {
                return null;
            }
            Pattern pattern = Pattern.compile(desc.getNationalNumberPattern());
            return new Desc(List.copyOf(desc.getPossibleLengthList()), ThreadLocal.withInitial(() -> pattern.matcher("")));
        }

        boolean matches(String nationalNumber) {
            return (lengths.isEmpty() || lengths.contains(nationalNumber.length())) && matcher.get().reset(nationalNumber).matches();
        }
    }
}
