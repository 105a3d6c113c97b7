import Foundation
import Testing
@testable import LGEPhysics

@Suite("Readout parameters")
struct ReadoutParametersTests {
    private func make(
        heartRate: Double = 60, gatingFactor: Int = 2, linesPerShot: Int = 25,
        repetitionTime: Double = 8, flipAngle: Double = 25, inversionTime: Double = 250,
        ordering: KSpaceOrdering = .linear
    ) throws(ReadoutParameterError) -> ReadoutParameters {
        try ReadoutParameters(
            heartRate: heartRate, gatingFactor: gatingFactor, linesPerShot: linesPerShot,
            repetitionTime: repetitionTime, flipAngle: flipAngle, inversionTime: inversionTime,
            ordering: ordering)
    }

    @Test("a typical set is accepted and its timing derived")
    func valid() throws {
        let p = try make()
        #expect(p.nominalRRInterval == 1000)
        #expect(p.centreLineIndex == 12)
        #expect(p.readoutDuration == 200)
        #expect(p.readoutStart == 250 - 96)
        #expect(p.nominalShotDuration == 2000)
        #expect(try make(ordering: .centric).centreLineIndex == 0)
    }

    @Test("readout longer than the R-R interval throws")
    func readoutTooLong() {
        // 35 × 10 ms = 350 ms at 200 bpm (R-R 300 ms).
        #expect(throws: ReadoutParameterError.readoutLongerThanRRInterval(readout: 350, rrInterval: 300)) {
            try make(heartRate: 200, linesPerShot: 35, repetitionTime: 10, inversionTime: 200)
        }
    }

    @Test("TI so short that the readout precedes the inversion throws")
    func tiTooShort() {
        // Linear ordering puts 12 lines × 8 ms = 96 ms before the centre line.
        #expect(throws: ReadoutParameterError.readoutStartsBeforeInversion(inversionTime: 80, minimumInversionTime: 96)) {
            try make(inversionTime: 80)
        }
        // The same TI is fine when the centre line comes first.
        #expect(throws: Never.self) { try make(inversionTime: 80, ordering: .centric) }
    }

    @Test("TI so long that the readout runs past the next R wave throws")
    func tiTooLong() {
        // R-R 1000 ms, 13 lines × 8 ms from the centre line to the end: maximum TI 896 ms.
        #expect(throws: ReadoutParameterError.readoutEndsAfterNextRWave(inversionTime: 900, maximumInversionTime: 896, rrInterval: 1000)) {
            try make(inversionTime: 900)
        }
        #expect(throws: Never.self) { try make(inversionTime: 896) }
    }

    @Test("out-of-range scalars throw")
    func scalars() {
        #expect(throws: ReadoutParameterError.invalidGatingFactor(4)) { try make(gatingFactor: 4) }
        #expect(throws: ReadoutParameterError.invalidGatingFactor(0)) { try make(gatingFactor: 0) }
        #expect(throws: ReadoutParameterError.heartRateOutOfRange(0)) { try make(heartRate: 0) }
        #expect(throws: ReadoutParameterError.invalidLinesPerShot(0)) { try make(linesPerShot: 0) }
        #expect(throws: ReadoutParameterError.invalidRepetitionTime(-1)) { try make(repetitionTime: -1) }
        #expect(throws: ReadoutParameterError.invalidFlipAngle(0)) { try make(flipAngle: 0) }
        #expect(throws: ReadoutParameterError.invalidFlipAngle(120)) { try make(flipAngle: 120) }
        #expect(throws: ReadoutParameterError.invalidInversionTime(-5)) { try make(inversionTime: -5, ordering: .centric) }
        #expect(throws: ReadoutParameterError.self) { try make(inversionTime: .nan) }
    }

    @Test("error descriptions say what is wrong and by how much")
    func descriptions() {
        let short = ReadoutParameterError.readoutStartsBeforeInversion(inversionTime: 80, minimumInversionTime: 96)
        #expect(short.description.contains("80 ms") && short.description.contains("96 ms"))
        let long = ReadoutParameterError.readoutLongerThanRRInterval(readout: 350, rrInterval: 300)
        #expect(long.description.contains("350") && long.description.contains("R-R"))
    }

    @Test("presets are playable", arguments: FieldStrength.allCases)
    func presets(field: FieldStrength) throws {
        let p = ReadoutParameters.typical(for: field)
        // Re-validate through the throwing initialiser.
        let revalidated = try p.with(inversionTime: p.inversionTime)
        #expect(revalidated == p)
        #expect(p.linesPerShot == 25 && p.gatingFactor == 2 && p.heartRate == 65)
        #expect(p.readoutDuration <= 200)  // diastolic window (BRIEF §4)
        #expect(p.inversionTimeLimits.contains(p.inversionTime))
    }

    @Test("Codable round-trips and refuses an unplayable protocol")
    func codable() throws {
        let p = ReadoutParameters.typical(for: .t3)
        let data = try JSONEncoder().encode(p)
        #expect(try JSONDecoder().decode(ReadoutParameters.self, from: data) == p)
        let bad = Data(#"{"heartRate":60,"gatingFactor":2,"linesPerShot":25,"repetitionTime":8,"flipAngle":25,"inversionTime":20,"ordering":"linear"}"#.utf8)
        #expect(throws: ReadoutParameterError.self) { try JSONDecoder().decode(ReadoutParameters.self, from: bad) }
    }
}
