import Foundation

/// Well-known UIDs and the generation of new ones.
public enum DICOMUID {
    public static let mrImageStorage = "1.2.840.10008.5.1.4.1.1.4"
    public static let enhancedMRImageStorage = "1.2.840.10008.5.1.4.1.1.4.1"
    public static let legacyConvertedEnhancedMRImageStorage = "1.2.840.10008.5.1.4.1.1.4.4"
    public static let explicitVRLittleEndian = "1.2.840.10008.1.2.1"

    /// Whether a SOP class is one of the MR image storage classes.
    public static func isMRImageStorage(_ sopClassUID: String) -> Bool {
        [mrImageStorage, enhancedMRImageStorage, legacyConvertedEnhancedMRImageStorage].contains(sopClassUID)
    }

    /// A readable name for the SOP classes lgeqa meets most often.
    public static func name(ofSOPClass uid: String) -> String {
        switch uid {
        case mrImageStorage: "MR Image Storage"
        case enhancedMRImageStorage: "Enhanced MR Image Storage"
        case legacyConvertedEnhancedMRImageStorage: "Legacy Converted Enhanced MR Image Storage"
        case "1.2.840.10008.5.1.4.1.1.2": "CT Image Storage"
        case "1.2.840.10008.5.1.4.1.1.7": "Secondary Capture Image Storage"
        case "1.2.840.10008.5.1.4.1.1.481.2": "RT Dose Storage"
        case "1.2.840.10008.5.1.4.1.1.88.33": "Comprehensive SR Storage"
        default: uid
        }
    }

    /// A new random UID under the 2.25 root (ISO/IEC 9834-8: a UUID as one decimal integer).
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return uid(high: generator.next(), low: generator.next())
    }

    /// A UID that depends only on `name`: the same seed and case give the same UIDs, so a
    /// simulated session can be reproduced bit for bit. Formatted as a version-8 UUID.
    public static func derived(from name: String) -> String {
        let bytes = Array(name.utf8)
        return uid(high: fnv1a(bytes, basis: 0xcbf2_9ce4_8422_2325), low: fnv1a(bytes, basis: 0x8422_2325_cbf2_9ce4))
    }

    private static func fnv1a(_ bytes: [UInt8], basis: UInt64) -> UInt64 {
        var hash = basis
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        // Avalanche, so near-identical names differ in every digit.
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }

    private static func uid(high: UInt64, low: UInt64) -> String {
        // RFC 9562 version and variant bits.
        let h = (high & ~0xF000) | 0x8000
        let l = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return "2.25." + decimal(high: h, low: l)
    }

    /// The 128-bit unsigned integer high·2⁶⁴ + low in decimal.
    private static func decimal(high: UInt64, low: UInt64) -> String {
        var words = [high >> 32, high & 0xFFFF_FFFF, low >> 32, low & 0xFFFF_FFFF]
        var digits: [Character] = []
        while words.contains(where: { $0 != 0 }) {
            var remainder: UInt64 = 0
            for i in words.indices {
                let value = (remainder << 32) | words[i]
                words[i] = value / 10
                remainder = value % 10
            }
            digits.append(Character(String(remainder)))
        }
        return digits.isEmpty ? "0" : String(digits.reversed())
    }
}
