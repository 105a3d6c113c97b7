import Foundation
import LGEDICOM
import LGEPhantom
import LGEPhysics
import LGESession
import Testing

@testable import LGESimulator

/// The repository root, found by walking up from this file to Package.swift.
private let repositoryRoot: URL = {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while directory.path != "/" {
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) { return directory }
        directory = directory.deletingLastPathComponent()
    }
    fatalError("no Package.swift above \(#filePath)")
}()

private let scenarioDirectory = repositoryRoot.appendingPathComponent("scenarios")

private func shipped(_ name: String) throws -> ExamCase {
    try ScenarioLoader.load(contentsOf: scenarioDirectory.appendingPathComponent("\(name).yaml"))
}

/// The error `text` produces, or a recorded failure if it parses.
private func parseError(_ text: String, file: String = "bad.yaml") -> ScenarioError? {
    do {
        let exam = try ScenarioLoader.parse(text, file: file)
        Issue.record("expected an error, parsed \(exam.name)")
        return nil
    } catch {
        return error
    }
}

/// Groups the scenario suites so `--filter ScenarioTests` runs them all.
@Suite("Scenarios")
struct ScenarioTests {}

extension ScenarioTests {
    @Suite("Shipped scenarios")
    struct Shipped {
        @Test func everyShippedScenarioLoadsWithUniqueNames() {
            let (cases, errors) = ScenarioLoader.loadAll(in: scenarioDirectory)
            #expect(errors.isEmpty, "\(errors.map(\.description))")
            #expect(cases.count >= 12)
            #expect(Set(cases.map(\.name)).count == cases.count)
            let required = [
                "normal", "clear-infarct", "small-subendocardial", "dcm-midwall-stripe", "ti-too-short-magnitude",
                "ti-drift-late", "ghosting-septum", "arrhythmia", "focal-equivocal", "psir-and-magnitude", "three-tesla",
                "amyloid",
            ]
            #expect(Set(required).isSubset(of: cases.map(\.name)))
        }

        @Test func everyScenarioTeaches() {
            for exam in ScenarioLoader.loadAll(in: scenarioDirectory).cases {
                #expect(!exam.title.isEmpty, "\(exam.name)")
                #expect(exam.teaching?.summary.isEmpty == false, "\(exam.name) has no teaching summary")
                #expect((exam.teaching?.lookFor.count ?? 0) >= 2, "\(exam.name) has too few look_for hints")
            }
        }

        @Test func cleanScenariosHaveNoEventsOrActions() throws {
            for name in ["normal", "clear-infarct", "dcm-midwall-stripe", "three-tesla"] {
                let exam = try shipped(name)
                #expect(exam.events.isEmpty, "\(name)")
                #expect(exam.expertActions.isEmpty, "\(name)")
            }
        }

        /// Each expert action answers a problem the scenario actually has: ghosting or motion on the
        /// slice it follows for repeat and swap, a TI problem for repeat_ti, scar for a crosscut.
        @Test func expertActionsMatchTheScenariosProblem() {
            for exam in ScenarioLoader.loadAll(in: scenarioDirectory).cases {
                let tiProblem = exam.patient.amyloid || !exam.plan.followsNullDrift
                    || exam.plan.inversionTime != .nulling(offset: 0)
                    || exam.events.contains { if case .inversionTimeError = $0.kind { true } else { false } }
                for expected in exam.expertActions {
                    switch expected.action {
                    case .repeatAcquisition, .swapPhaseEncode:
                        let motion = exam.events.contains { event in
                            if case .inversionTimeError = event.kind { return false }
                            return event.affects.matches(expected.after)
                        }
                        #expect(motion, "\(exam.name): \(expected.action) after \(expected.after) has no artifact to fix")
                    case .repeatWithInversionTime:
                        #expect(tiProblem, "\(exam.name): repeat_ti without a TI problem")
                    case .longAxisCrosscut:
                        #expect(!exam.scars.isEmpty, "\(exam.name): crosscut with nothing to cut through")
                    }
                    #expect(!expected.why.isEmpty)
                }
            }
        }

        @Test func clearInfarctDecodes() throws {
            let exam = try shipped("clear-infarct")
            #expect(exam.name == "clear-infarct")
            #expect(exam.title == "Transmural anterior (LAD) infarct")
            #expect(exam.seed == 2)
            #expect(exam.patient.heartRate == 68)
            #expect(exam.scars == [.ischemic(territory: .lad, transmurality: 1, segments: nil, borderZone: 2, mvo: false)])
            #expect(exam.plan.longAxisViews == [.fourChamber, .twoChamber, .threeChamber])
        }

        @Test func ghostingSeptumDecodesOneBasedSlicesToZeroBased() throws {
            let exam = try shipped("ghosting-septum")
            #expect(exam.events == [
                ArtifactEvent(affects: .shortAxis([3, 4]), kind: .respiratoryGhosting(amplitude: 10, period: 4), recurrence: 0.2)
            ])
            #expect(exam.expertActions.map(\.after) == [.shortAxis(3), .shortAxis(4)])
            #expect(exam.expertActions.map(\.action) == [.swapPhaseEncode, .swapPhaseEncode])
            #expect(exam.plan.phaseEncodeDirection == .row)
            #expect(exam.plan.segmentOrdering == .interleaved)
        }

        @Test func tiAndReconstructionScenariosDecode() throws {
            let short = try shipped("ti-too-short-magnitude")
            #expect(short.plan.inversionTime == .nulling(offset: -45))
            #expect(short.plan.reconstructions == [.magnitude])
            #expect(short.expertActions.first?.action == .repeatWithInversionTime(.delta(40)))

            let drift = try shipped("ti-drift-late")
            #expect(drift.plan.followsNullDrift == false)
            #expect(drift.plan.startMinute == 20)
            #expect(drift.plan.pauseBetweenBreathHolds == 25)
            #expect(drift.plan.shortAxisSlices == 12)
            #expect(drift.expertActions.last?.after == .shortAxis(10))

            let both = try shipped("psir-and-magnitude")
            #expect(both.events == [ArtifactEvent(affects: .all, kind: .inversionTimeError(offset: -30), recurrence: 0.25)])
        }

        @Test func patientVariantsDecode() throws {
            let threeTesla = try shipped("three-tesla")
            #expect(threeTesla.patient.fieldStrength == .t3)
            #expect(threeTesla.plan.bloodSNR == 38)

            let dcm = try shipped("dcm-midwall-stripe")
            #expect(dcm.patient.anatomy.lvEndDiastolicDiameter == 68)
            let middleThird: ClosedRange<Double> = (1.0 / 3)...(2.0 / 3)
            #expect(dcm.scars == [.midWallSeptal(segments: [2, 3, 8, 9], band: middleThird)])

            let amyloid = try shipped("amyloid")
            #expect(amyloid.patient.amyloid)
            #expect(amyloid.patient.anatomy.lvEndDiastolicDiameter == 44)
            #expect(amyloid.patient.anatomy.freeWallThickness == 15)
            #expect(amyloid.patient.anatomy.septalWallThickness == 15)

            let arrhythmia = try shipped("arrhythmia")
            #expect(arrhythmia.events.first?.kind == .arrhythmia(missedBeats: [2, 8], prematureBeats: []))
            #expect(arrhythmia.scars == [.ischemic(territory: .rca, transmurality: 0.5, segments: nil, borderZone: 2, mvo: false)])

            let focal = try shipped("focal-equivocal")
            #expect(focal.scars == [.focal(segment: 10, diameter: 5, depth: .subendocardial)])
            #expect(focal.expertActions.first?.action == .longAxisCrosscut(.throughFlaggedRegion))
        }
}

}

extension ScenarioTests {
    @Suite("Scenario schema")
    struct Schema {
        /// Every key of the schema, with none at its default, lands in its field.
        @Test func everyFieldLandsWhereItShould() throws {
            let text = """
                version: 1
                name: everything
                title: "All keys"
                seed: 42
                patient:
                  heart_rate: 90
                  field_strength: 3T
                  dose: 0.2
                  amyloid: yes
                  anatomy: {lv_diameter: 60, cavity_length: 90, wall_thickness: 8, septal_wall_thickness: 12, apical_wall_thickness: 5}
                scar:
                  - ischemic: {territory: rca, transmurality: 0.5, segments: [4, 10], border_zone: 3, mvo: true}
                  - mid_wall_septal: {segments: 8, band: [0.4, 0.6]}
                  - epicardial_lateral
                  - rv_insertion: {site: superior, width: 8}
                  - focal: {segment: 17, diameter: 6, depth: midwall}
                acquisition:
                  short_axis_slices: 12
                  thickness: 6
                  gap: 4
                  matrix: 192
                  pixel_size: 1.8
                  phase_fov: 0.75
                  phase_encode: COL
                  ti: 280
                  follows_null_drift: false
                  reconstructions: magnitude
                  start_minute: 15
                  pause: 8
                  long_axis_views: [2CH]
                  ordering: linear
                  lines_per_shot: 30
                  gating_factor: 3
                  snr: 40
                events:
                  - {affects: {short_axis: 12}, respiratory_ghosting: {amplitude: 7}, recurrence: 0}
                  - {affects: {short_axis_from: 2}, arrhythmia: {missed_beats: 1, premature_beats: [5, 3]}}
                  - {affects: {view: 2CH}, motion_blur: {amplitude: 4}, recurrence: 1}
                  - {affects: all, inversion_time_error: {offset: 25}}
                teaching: {summary: "S", look_for: "one hint"}
                expert_actions:
                  - {after: {short_axis: 12}, action: swap_phase_encode, why: a}
                  - {after: {view: 2CH}, action: {repeat: {}}, why: b}
                  - {after: {short_axis: 1}, action: repeat_ti, why: c}
                  - {after: {short_axis: 2}, action: {repeat_ti: {absolute: 320}}, why: d}
                  - {after: {short_axis: 3}, action: {repeat_ti: {delta: -10}}, why: e}
                  - {after: {short_axis: 4}, action: long_axis_crosscut, why: f}
                  - {after: {short_axis: 5}, action: {long_axis_crosscut: {view: 3CH}}, why: g}
                  - {after: {short_axis: 6}, action: {long_axis_crosscut: 4CH}, why: h}
                """
            let exam = try ScenarioLoader.parse(text, file: "scenarios/ignored-name.yaml")
            #expect(exam.name == "everything")
            #expect(exam.title == "All keys")
            #expect(exam.seed == 42)

            #expect(exam.patient.heartRate == 90)
            #expect(exam.patient.fieldStrength == .t3)
            #expect(exam.patient.contrastDose == 0.2)
            #expect(exam.patient.amyloid)
            let anatomy = exam.patient.anatomy
            #expect(anatomy.lvEndDiastolicDiameter == 60)
            #expect(anatomy.lvCavityLength == 90)
            #expect(anatomy.freeWallThickness == 8)
            #expect(anatomy.septalWallThickness == 12)
            #expect(anatomy.apicalWallThickness == 5)

            #expect(exam.scars == [
                .ischemic(territory: .rca, transmurality: 0.5, segments: [4, 10], borderZone: 3, mvo: true),
                .midWallSeptal(segments: [8], band: 0.4...0.6),
                .epicardialLateral(segments: [5, 6, 11, 12], depth: 1.0 / 3, patchy: true),
                .rvInsertion(site: .superior, width: 8),
                .focal(segment: 17, diameter: 6, depth: .midwall),
            ])

            let plan = exam.plan
            #expect(plan.shortAxisSlices == 12)
            #expect(plan.sliceThickness == 6)
            #expect(plan.sliceGap == 4)
            #expect(plan.matrix == 192)
            #expect(plan.pixelSize == 1.8)
            #expect(plan.phaseFieldOfView == 0.75)
            #expect(plan.phaseEncodeDirection == .column)
            #expect(plan.inversionTime == .fixed(280))
            #expect(plan.followsNullDrift == false)
            #expect(plan.reconstructions == [.magnitude])
            #expect(plan.startMinute == 15)
            #expect(plan.pauseBetweenBreathHolds == 8)
            #expect(plan.longAxisViews == [.twoChamber])
            #expect(plan.segmentOrdering == .linear)
            #expect(plan.linesPerShot == 30)
            #expect(plan.gatingFactor == 3)
            #expect(plan.bloodSNR == 40)

            #expect(exam.events == [
                ArtifactEvent(affects: .shortAxis([11]), kind: .respiratoryGhosting(amplitude: 7, period: 4), recurrence: 0),
                ArtifactEvent(affects: .shortAxisFrom(1), kind: .arrhythmia(missedBeats: [0], prematureBeats: [2, 4])),
                ArtifactEvent(affects: .view(.twoChamber), kind: .motionBlur(amplitude: 4), recurrence: 1),
                ArtifactEvent(affects: .all, kind: .inversionTimeError(offset: 25)),
            ])
            #expect(exam.teaching == TeachingNotes(summary: "S", lookFor: ["one hint"]))
            #expect(exam.expertActions.map(\.after) == [
                .shortAxis(11), .longAxis(.twoChamber), .shortAxis(0), .shortAxis(1), .shortAxis(2), .shortAxis(3),
                .shortAxis(4), .shortAxis(5),
            ])
            #expect(exam.expertActions.map(\.action) == [
                .swapPhaseEncode, .repeatAcquisition, .repeatWithInversionTime(.nulling),
                .repeatWithInversionTime(.absolute(320)), .repeatWithInversionTime(.delta(-10)),
                .longAxisCrosscut(.throughFlaggedRegion), .longAxisCrosscut(.view(.threeChamber)),
                .longAxisCrosscut(.view(.fourChamber)),
            ])
            #expect(exam.expertActions.map(\.why) == ["a", "b", "c", "d", "e", "f", "g", "h"])
        }

        /// The full example in docs/scenarios.md parses and uses every section, so the docs stay true.
        @Test func documentedExampleParses() throws {
            let docs = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/scenarios.md"), encoding: .utf8)
            let afterHeading = try #require(docs.range(of: "## A full example")).upperBound
            let start = try #require(docs.range(of: "```yaml\n", range: afterHeading..<docs.endIndex)).upperBound
            let end = try #require(docs.range(of: "```", range: start..<docs.endIndex)).lowerBound
            let exam = try ScenarioLoader.parse(String(docs[start..<end]), file: "docs/scenarios.md")
            #expect(exam.name == "ghosting-example")
            #expect(exam.scars.count == 5)
            #expect(exam.events.count == 4)
            #expect(exam.expertActions.count == 5)
            #expect(exam.plan.inversionTime == .nulling(offset: -30))
        }

        @Test func minimalScenarioTakesDefaultsAndTheFileName() throws {
            let exam = try ScenarioLoader.parse("version: 1\ntitle: Minimal\n", file: "scenarios/minimal-case.yaml")
            #expect(exam.name == "minimal-case")
            #expect(exam.seed == 1)
            #expect(exam.patient == PatientSpec())
            #expect(exam.scars.isEmpty)
            #expect(exam.plan == AcquisitionPlan())
            #expect(exam.events.isEmpty)
            #expect(exam.teaching == nil)
            #expect(exam.expertActions.isEmpty)
        }

        @Test func nullingOffsetsParse() throws {
            for (text, expected) in [
                ("nulling", InversionTimeChoice.nulling(offset: 0)), ("nulling-30", .nulling(offset: -30)),
                ("nulling + 15", .nulling(offset: 15)), ("250", .fixed(250)),
            ] {
                let exam = try ScenarioLoader.parse("version: 1\ntitle: t\nacquisition: {ti: \(text)}\n", file: "t.yaml")
                #expect(exam.plan.inversionTime == expected, "\(text)")
            }
        }
}

}

extension ScenarioTests {
    @Suite("Scenario errors")
    struct Errors {
        @Test func unknownKeySuggestsTheNearestKey() throws {
            let error = try #require(parseError("""
                version: 1
                title: t
                acquisition:
                  short_axis_slices: 10
                  thicknes: 8
                """))
            #expect(error.kind == .unknownKey)
            #expect(error.description == "bad.yaml:5:3: unknown key 'thicknes' in acquisition; did you mean 'thickness'?")
        }

        @Test func unknownKeyFarFromAnyListsTheAllowedKeys() throws {
            let error = try #require(parseError("version: 1\ntitle: t\nteaching: {summary: s, zzzzzz: 1}\n"))
            #expect(error.kind == .unknownKey)
            #expect(error.description == "bad.yaml:3:24: unknown key 'zzzzzz' in teaching; expected one of summary, look_for")
        }

        @Test func wrongTypeNamesWhatWasExpected() throws {
            let error = try #require(parseError("""
                version: 1
                title: t
                patient:
                  heart_rate: abc
                """))
            #expect(error.kind == .wrongType)
            #expect(error.description == "bad.yaml:4:15: patient.heart_rate: expected a number, found 'abc'")
        }

        @Test func listWhereAMappingBelongs() throws {
            let error = try #require(parseError("version: 1\ntitle: t\npatient: [70]\n"))
            #expect(error.kind == .wrongType)
            #expect(error.description == "bad.yaml:3:10: patient: expected a mapping, found a list")
        }

        @Test func unknownEnumValueListsTheAllowedOnes() throws {
            let error = try #require(parseError("""
                version: 1
                title: t
                scar:
                  - ischemic: {territory: LDA, transmurality: 0.5}
                """))
            #expect(error.kind == .unknownValue)
            #expect(error.description
                == "bad.yaml:4:27: scar.ischemic.territory: unknown coronary territory 'LDA'; expected one of LAD, LCX, RCA; did you mean 'LAD'?")
        }

        @Test func outOfRangeValuesSayTheRange() throws {
            let cases: [(String, String)] = [
                ("acquisition:\n  phase_fov: 1.2", "4:14: acquisition.phase_fov must be between 0.5 and 1, found 1.2"),
                ("patient: {heart_rate: 250}", "3:23: patient.heart_rate must be between 30 and 180 bpm, found 250"),
                ("acquisition: {snr: 0}", "3:20: acquisition.snr must be greater than 0 and at most 1000, found 0"),
                ("acquisition: {thickness: -2}", "3:26: acquisition.thickness must be greater than 0 and at most 20 mm, found -2"),
                ("scar: [{ischemic: {territory: LAD, transmurality: 1.5}}]",
                 "3:51: scar.ischemic.transmurality must be greater than 0 and at most 1, found 1.5"),
                ("scar: [{focal: {segment: 18, diameter: 5}}]",
                 "3:26: scar.focal.segment: AHA segment must be from 1 to 17, found 18"),
                ("events: [{affects: all, motion_blur: {amplitude: 2}, recurrence: -0.1}]",
                 "3:66: events.recurrence must be between 0 and 1, found -0.1"),
            ]
            for (body, expected) in cases {
                let error = try #require(parseError("version: 1\ntitle: t\n" + body + "\n"))
                #expect(error.kind == .outOfRange, "\(body)")
                #expect(error.description == "bad.yaml:" + expected)
            }
        }

        @Test func shortAxisIndexBeyondTheStack() throws {
            // The stack size is known even when acquisition comes after the events.
            let error = try #require(parseError("""
                version: 1
                title: t
                events:
                  - affects: {short_axis: [4, 9]}
                    motion_blur: {amplitude: 3}
                acquisition: {short_axis_slices: 8}
                """))
            #expect(error.kind == .outOfRange)
            #expect(error.description
                == "bad.yaml:4:31: events.affects.short_axis: short-axis slice must be from 1 to 8 (acquisition.short_axis_slices), found 9")

            let zero = try #require(parseError("version: 1\ntitle: t\nexpert_actions: [{after: {short_axis: 0}, action: repeat, why: w}]\n"))
            #expect(zero.description.hasPrefix("bad.yaml:3:39: expert_actions.after.short_axis: short-axis slice must be from 1 to 10"))
        }

        @Test func viewThatIsNotAcquired() throws {
            let error = try #require(parseError("""
                version: 1
                title: t
                acquisition: {long_axis_views: [4CH]}
                expert_actions:
                  - {after: {view: 2CH}, action: repeat, why: w}
                """))
            #expect(error.kind == .invalid)
            #expect(error.description == "bad.yaml:5:20: expert_actions.after.view: 2CH is not acquired; acquisition.long_axis_views has 4CH")
        }

        @Test func yamlSyntaxErrorIsLocated() throws {
            let error = try #require(parseError("""
                version: 1
                title: t
                patient: {heart_rate: 70
                seed: 3
                """))
            #expect(error.kind == .syntax)
            #expect(error.line == 4)
            #expect(error.column == 5)
            #expect(error.description.hasPrefix("bad.yaml:4:5: YAML syntax error: "))
        }

        @Test func duplicateKeyIsLocated() throws {
            let error = try #require(parseError("version: 1\ntitle: t\nseed: 1\nseed: 2\n"))
            // Yams reports the first use of the key.
            #expect(error.description.hasPrefix("bad.yaml:3:1: duplicate key 'seed'"))
        }

        @Test func missingRequiredKeys() throws {
            let noTitle = try #require(parseError("version: 1\nseed: 3\n"))
            #expect(noTitle.kind == .missingKey)
            #expect(noTitle.description == "bad.yaml:1:1: missing required key 'title' in scenario")

            let noVersion = try #require(parseError("title: t\n"))
            #expect(noVersion.description == "bad.yaml:1:1: missing required key 'version' in scenario")

            let noSegment = try #require(parseError("version: 1\ntitle: t\nscar:\n  - focal: {diameter: 5}\n"))
            #expect(noSegment.kind == .missingKey)
            #expect(noSegment.description == "bad.yaml:4:12: missing required key 'segment' in scar.focal")

            let noArtifact = try #require(parseError("version: 1\ntitle: t\nevents:\n  - affects: all\n"))
            #expect(noArtifact.description
                == "bad.yaml:4:5: events names no artifact; expected one of respiratory_ghosting, arrhythmia, motion_blur, inversion_time_error")
        }

        @Test func misspelledNullingIsSuggested() throws {
            let error = try #require(parseError("version: 1\ntitle: t\nacquisition: {ti: nuling-20}\n"))
            #expect(error.kind == .unknownValue)
            #expect(error.description == "bad.yaml:3:19: acquisition.ti: unknown inversion time 'nuling-20'; "
                + "expected 'nulling', 'nulling+N', 'nulling-N' or a TI in ms; did you mean 'nulling-20'?")
        }

        @Test func twoArtifactsInOneEvent() throws {
            let error = try #require(parseError(
                "version: 1\ntitle: t\nevents: [{affects: all, motion_blur: {amplitude: 1}, arrhythmia: {missed_beats: [2]}}]\n"))
            #expect(error.kind == .invalid)
            #expect(error.description == "bad.yaml:3:54: events names more than one artifact: 'motion_blur' and 'arrhythmia'")
        }

        @Test func unsupportedVersionAndEmptyFile() throws {
            let future = try #require(parseError("version: 2\ntitle: t\nnew_key: 1\n"))
            #expect(future.description == "bad.yaml:1:10: unsupported scenario version 2; this lgeqa reads version 1")
            let empty = try #require(parseError("# nothing here\n"))
            #expect(empty.description.hasPrefix("bad.yaml:1:1: empty scenario"))
        }

        @Test func duplicateListEntry() throws {
            let error = try #require(parseError("version: 1\ntitle: t\nacquisition: {reconstructions: [psir, PSIR]}\n"))
            #expect(error.description == "bad.yaml:3:39: acquisition.reconstructions: 'PSIR' is listed twice")
        }

        @Test func editDistanceCountsTranspositions() {
            #expect(Suggestion.distance("thcikness", "thickness") == 1)
            #expect(Suggestion.closest(to: "thcikness", among: ["thickness", "gap"]) == "thickness")
            #expect(Suggestion.closest(to: "colour", among: ["thickness", "gap"]) == nil)
        }
}

}

extension ScenarioTests {
    @Suite("Loading a directory")
    struct Directory {
        private func temporaryDirectory() throws -> URL {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lgeqa-scenarios-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return directory
        }

        @Test func aBadFileIsReportedAndTheGoodOneStillLoads() throws {
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try "version: 1\ntitle: Good\n".write(to: directory.appendingPathComponent("good.yaml"), atomically: true, encoding: .utf8)
            try "version: 1\ntitle: Bad\nseed: many\n".write(to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
            try "not a scenario".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

            let (cases, errors) = ScenarioLoader.loadAll(in: directory)
            #expect(cases.map(\.name) == ["good"])
            #expect(errors.count == 1)
            let error = try #require(errors.first)
            #expect(error.file.hasSuffix("bad.yaml"))
            #expect(error.line == 3)
            #expect(error.column == 7)
            #expect(error.description.hasSuffix("bad.yaml:3:7: seed: expected a whole number, found 'many'"))
        }

        @Test func aRepeatedNameIsReported() throws {
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try "version: 1\ntitle: A\nname: same\n".write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
            try "version: 1\ntitle: B\nname: same\n".write(to: directory.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)

            let (cases, errors) = ScenarioLoader.loadAll(in: directory)
            #expect(cases.map(\.title) == ["A"])
            #expect(errors.map(\.message) == ["scenario name 'same' is already used by a.yaml"])
            #expect(errors.first?.line == 3)
            #expect(errors.first?.column == 7)
        }
}
}

extension ScenarioTests {
    /// Renders the planned exam of every scenario with expert actions and checks that each action
    /// follows an acquisition that really shows the problem it fixes: the scenarios' clinical
    /// claims (this slice is ghosted, that one is off the null) hold in the simulator.
    @Suite("Scenarios in the simulator")
    struct Simulated {
        @Test(arguments: [
            "small-subendocardial", "ti-too-short-magnitude", "ti-drift-late", "ghosting-septum", "arrhythmia",
            "focal-equivocal", "psir-and-magnitude", "amyloid", "motion-blur-2ch",
        ])
        func expertActionsFollowAcquisitionsWithTheirProblem(name: String) throws {
            let exam = try shipped(name)
            var simulator = try ExamSimulator(exam: exam)
            // Acquire in planned order only as far as the last slice an action follows: the
            // clock (and so the TI drift) must be right, the rest would only cost time.
            let planned = (0..<exam.plan.shortAxisSlices).map(AcquisitionTarget.shortAxis)
                + exam.plan.longAxisViews.map(AcquisitionTarget.longAxis)
            let last = try #require(exam.expertActions.compactMap { planned.firstIndex(of: $0.after) }.max())
            var acquisitions: [SimulatedAcquisition] = []
            for target in planned[...last] { acquisitions.append(try simulator.acquirePlanned(target)) }

            for expected in exam.expertActions {
                let acquisition = try #require(acquisitions.first { $0.target == expected.after })
                let truth = acquisition.truth
                // TI trouble shows per image (magnitude off the null; amyloid in every image).
                let causes = Set(truth.causes).union(acquisition.images.flatMap(\.evidence.causes))
                let context = "\(name), after \(expected.after): causes \(causes.sorted()), "
                    + "TI \(Int(truth.inversionTime)) ms vs null \(Int(truth.optimalInversionTime)) ms"
                switch expected.action {
                case .repeatWithInversionTime:
                    #expect(causes.contains(.tiNulling), "\(context)")
                case .repeatAcquisition, .swapPhaseEncode:
                    #expect(!causes.isDisjoint(with: [.ghosting, .motion]), "\(context)")
                case .longAxisCrosscut:
                    #expect(truth.lgePresent, "\(context): no scar on this slice")
                }
            }
        }
    }
}
