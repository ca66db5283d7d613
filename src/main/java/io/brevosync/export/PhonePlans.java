package io.brevosync.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    private PhonePlans() {
    }

    static boolean isValid(PhoneNumber number) {
        String region = PHONES.getRegionCodeForNumber(number);
        if (region == null) {
            return false;
        }
        int countryCode = number.getCountryCode();
        Plan plan = PLANS.computeIfAbsent(region.equals(WORLD) ? WORLD + countryCode : region, key -> Plan.of(region.equals(WORLD)
                ? METADATA.getMetadataForNonGeographicalRegion(countryCode) : METADATA.getMetadataForRegion(region)));
        return plan.countryCode == countryCode && plan.fits(PHONES.getNationalSignificantNumber(number));
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

        boolean fits(String nationalNumber) {
            if (general == null || !general.matches(nationalNumber)) {
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

    /** A number type's possible lengths (empty: any) and pattern; null for a type the region does not have. */
    private record Desc(List<Integer> lengths, Pattern pattern) {

        static Desc of(PhoneNumberDesc desc) {
            return desc == null || desc.getNationalNumberPattern().isEmpty() ? null
                    : new Desc(List.copyOf(desc.getPossibleLengthList()), Pattern.compile(desc.getNationalNumberPattern()));
        }

        boolean matches(String nationalNumber) {
            return (lengths.isEmpty() || lengths.contains(nationalNumber.length())) && pattern.matcher(nationalNumber).matches();
        }
    }
}
