/// Main magnetic field strength of the scanner.
///
/// Tissue T1, gadolinium relaxivity and the protocol presets all depend on it.
public enum FieldStrength: String, Sendable, Hashable, Codable, CaseIterable {
    /// 1.5 tesla.
    case t1_5
    /// 3 tesla.
    case t3

    /// The field strength in tesla.
    public var tesla: Double {
        switch self {
        case .t1_5: 1.5
        case .t3: 3.0
        }
    }
}
