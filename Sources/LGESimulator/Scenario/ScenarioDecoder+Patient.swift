import LGEYAML
import LGEPhantom
import LGEPhysics

extension ScenarioDecoder {
    /// A fixed dilated heart for teaching (the middle of `AnatomyVariation.dilated`): EDD 68 mm,
    /// 7.5 mm walls, a rounder LV. Fixed rather than drawn so a scenario looks the same to everyone.
    static let dilatedAnatomy = HeartAnatomy(
        lvEndDiastolicDiameter: 68, lvCavityLength: 88, freeWallThickness: 7.5, septalWallThickness: 7.5,
        apicalWallThickness: 6)

    func decodePatient(_ value: YAMLValue) throws(ScenarioError) -> PatientSpec {
        let fields = try value.mapping(allowed: ["heart_rate", "field_strength", "dose", "amyloid", "anatomy"])
        var patient = PatientSpec()
        if let v = fields["heart_rate"] { patient.heartRate = try v.number(.range(30, 180), unit: "bpm") }
        if let v = fields["field_strength"] { patient.fieldStrength = try fieldStrength(v) }
        if let v = fields["dose"] { patient.contrastDose = try v.number(.above(0, upTo: 0.3), unit: "mmol/kg") }
        if let v = fields["amyloid"] { patient.amyloid = try v.bool() }
        if let v = fields["anatomy"] { patient.anatomy = try anatomy(v) }
        return patient
    }

    /// `1.5T` or `3T`; a bare `1.5` or `3` (what YAML makes of an unquoted number) is read the same.
    private func fieldStrength(_ value: YAMLValue) throws(ScenarioError) -> FieldStrength {
        let choices: [(String, FieldStrength)] = [("1.5T", .t1_5), ("3T", .t3)]
        if let text = value.scalarText {
            let digits = text.hasSuffix("T") || text.hasSuffix("t") ? String(text.dropLast()) : text
            switch Double(digits.trimmingCharacters(in: .whitespaces)) {
            case 1.5: return .t1_5
            case 3: return .t3
            default: break
            }
        }
        return try value.word("field strength", choices)
    }

    /// `typical`, `dilated`, or a mapping of measurements over the typical heart.
    private func anatomy(_ value: YAMLValue) throws(ScenarioError) -> HeartAnatomy {
        if value.isScalar {
            return try value.word("anatomy", [("typical", HeartAnatomy.typical), ("dilated", Self.dilatedAnatomy)])
        }
        let fields = try value.mapping(allowed: [
            "lv_diameter", "cavity_length", "wall_thickness", "septal_wall_thickness", "apical_wall_thickness",
        ])
        var anatomy = HeartAnatomy.typical
        if let v = fields["lv_diameter"] {
            anatomy.lvEndDiastolicDiameter = try v.number(.range(30, 90), unit: "mm")
            // Keep the typical length-to-diameter ratio unless the length is given.
            anatomy.lvCavityLength = anatomy.lvEndDiastolicDiameter * HeartAnatomy.typical.lvCavityLength
                / HeartAnatomy.typical.lvEndDiastolicDiameter
        }
        if let v = fields["cavity_length"] { anatomy.lvCavityLength = try v.number(.range(40, 150), unit: "mm") }
        if let v = fields["wall_thickness"] {
            let wall = try v.number(.range(3, 25), unit: "mm")
            anatomy.freeWallThickness = wall
            anatomy.septalWallThickness = wall
            anatomy.apicalWallThickness = max(4, 0.8 * wall)
        }
        if let v = fields["septal_wall_thickness"] { anatomy.septalWallThickness = try v.number(.range(3, 30), unit: "mm") }
        if let v = fields["apical_wall_thickness"] { anatomy.apicalWallThickness = try v.number(.range(2, 20), unit: "mm") }
        return anatomy
    }

    // MARK: Scar

    static let scarPatterns = ["ischemic", "mid_wall_septal", "epicardial_lateral", "rv_insertion", "focal"]

    /// One scar entry: a single-key mapping naming the pattern (`- focal: {segment: 10, ...}`), or
    /// the bare pattern name for all its defaults (`- epicardial_lateral`).
    func decodeScar(_ item: YAMLValue) throws(ScenarioError) -> ScarPattern {
        let pattern: String
        var settings: YAMLValue?
        if item.isScalar {
            pattern = try item.word("scar pattern", Self.scarPatterns.map { ($0, $0) })
        } else {
            let entry = try item.mapping(allowed: Self.scarPatterns)
            pattern = try entry.exactlyOne(of: Self.scarPatterns, what: "scar pattern").key
            settings = entry[pattern]
        }
        let path = "scar.\(pattern)"
        let value = settings ?? item.emptyMapping(path: path)
        switch pattern {
        case "ischemic": return try ischemic(value)
        case "mid_wall_septal": return try midWallSeptal(value)
        case "epicardial_lateral": return try epicardialLateral(value)
        case "rv_insertion": return try rvInsertion(value)
        default: return try focal(value)
        }
    }

    private func ischemic(_ value: YAMLValue) throws(ScenarioError) -> ScarPattern {
        let fields = try value.mapping(allowed: ["territory", "transmurality", "segments", "border_zone", "mvo"])
        let territory = try fields.required("territory").word(
            "coronary territory", [("LAD", CoronaryTerritory.lad), ("LCX", .lcx), ("RCA", .rca)])
        let transmurality = try fields.required("transmurality").number(.above(0, upTo: 1))
        let segments = try fields["segments"].map(self.segments)
        let borderZone = try fields["border_zone"]?.number(.range(0, 10), unit: "mm") ?? 2
        let mvo = try fields["mvo"]?.bool() ?? false
        return .ischemic(
            territory: territory, transmurality: transmurality, segments: segments, borderZone: borderZone, mvo: mvo)
    }

    private func midWallSeptal(_ value: YAMLValue) throws(ScenarioError) -> ScarPattern {
        let fields = try value.mapping(allowed: ["segments", "band"])
        let segments = try fields["segments"].map(self.segments) ?? [2, 3, 8, 9]
        var band = (1.0 / 3)...(2.0 / 3)
        if let v = fields["band"] {
            let ends = try v.list()
            guard ends.count == 2 else {
                throw v.error(.invalid, "\(v.name) must be two wall fractions [inner, outer], found \(ends.count) values")
            }
            let inner = try ends[0].number(.range(0, 1)), outer = try ends[1].number(.range(0, 1))
            guard inner < outer else {
                throw v.error(.invalid, "\(v.name) must go from the inner to the outer fraction, found [\(inner), \(outer)]")
            }
            band = inner...outer
        }
        return .midWallSeptal(segments: segments, band: band)
    }

    private func epicardialLateral(_ value: YAMLValue) throws(ScenarioError) -> ScarPattern {
        let fields = try value.mapping(allowed: ["segments", "depth", "patchy"])
        let segments = try fields["segments"].map(self.segments) ?? [5, 6, 11, 12]
        let depth = try fields["depth"]?.number(.above(0, upTo: 1)) ?? 1.0 / 3
        let patchy = try fields["patchy"]?.bool() ?? true
        return .epicardialLateral(segments: segments, depth: depth, patchy: patchy)
    }

    private func rvInsertion(_ value: YAMLValue) throws(ScenarioError) -> ScarPattern {
        let fields = try value.mapping(allowed: ["site", "width"])
        let site = try fields["site"]?.word(
            "RV insertion site", [("superior", RVInsertionSite.superior), ("inferior", .inferior), ("both", .both)]) ?? .both
        let width = try fields["width"]?.number(.above(0, upTo: 40), unit: "mm") ?? 12
        return .rvInsertion(site: site, width: width)
    }

    private func focal(_ value: YAMLValue) throws(ScenarioError) -> ScarPattern {
        let fields = try value.mapping(allowed: ["segment", "diameter", "depth"])
        let segment = try fields.required("segment").integer(1...17, what: "AHA segment")
        let diameter = try fields.required("diameter").number(.above(0, upTo: 30), unit: "mm")
        let depth = try fields["depth"]?.word(
            "focal depth", [("subendocardial", FocalDepth.subendocardial), ("midwall", .midwall)]) ?? .subendocardial
        return .focal(segment: segment, diameter: diameter, depth: depth)
    }
}
