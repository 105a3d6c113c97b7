import Foundation
import LGEDICOM
import LGEImageAnalysis
import LGESimulator
import Testing

@testable import LGEQualityMetrics

/// The metrics on simulated LGE slices, whose true noise level and motion are known.
@Suite struct SliceQualityMetricsTests {
    /// Typical torso in a 320 mm FOV: the body reaches the left and right edges, air above and below.
    static let typical = SimulatedSlices(spacing: 2.5)
    /// Slim torso in a 384 mm FOV: air beside the body along both axes, so both ghost bands exist.
    static let slim = SimulatedSlices(spacing: 3.0, slim: true)
    let breathing = MotionConditions(respiratory: RespiratoryMotion(amplitude: 12, period: 4))

    func measure(
        _ values: [Float], _ slices: SimulatedSlices, phaseEncode: PhaseEncodeDirection?, signed: Bool = false
    ) throws -> SliceQuality {
        let spacing = slices.plane.pixelSpacing
        return try SliceQualityMetrics.measure(
            PixelImage(rows: 128, columns: 128, values: values), pixelSpacing: spacing, phaseEncode: phaseEncode,
            isSigned: signed)
    }

    @Test(arguments: [false, true])
    func snrFollowsTheRequestedSNRAndMatchesTheTruth(signed: Bool) throws {
        let slices = Self.typical
        let low = try slices.acquire(snr: 10), high = try slices.acquire(snr: 40)
        let qLow = try measure(signed ? low.psir : low.magnitude, slices, phaseEncode: .row, signed: signed)
        let qHigh = try measure(signed ? high.psir : high.magnitude, slices, phaseEncode: .row, signed: signed)
        let ratio = qHigh.snr / qLow.snr
        #expect(ratio > 1.6 && ratio < 6, "SNR \(qLow.snr) at 10, \(qHigh.snr) at 40")

        // Truth: mean magnitude over the phantom's body over the simulator's σ.
        let body = slices.bodyIndices
        let known = body.reduce(0.0) { $0 + Double(high.magnitude[$1]) } / Double(body.count) / Double(high.noiseSigma)
        #expect(abs(qHigh.snr / known - 1) < 0.3, "measured SNR \(qHigh.snr), known \(known)")
        #expect(abs(qHigh.backgroundNoise / Double(high.noiseSigma) - 1) < 0.15, "σ \(qHigh.backgroundNoise) vs \(high.noiseSigma)")
        #expect(abs(qHigh.foregroundFraction - Double(body.count) / 16384) < 0.1)
        #expect(qHigh.cnr > qLow.cnr && qHigh.fber > qLow.fber)
    }

    @Test(arguments: [PhaseEncodeDirection.row, .column])
    func breathingRaisesTheGhostLevelAlongPhaseEncode(phaseEncode: PhaseEncodeDirection) throws {
        let slices = Self.slim
        let still = try measure(try slices.acquire(snr: 40, phaseEncode: phaseEncode).magnitude, slices, phaseEncode: phaseEncode)
        let ghosted = try measure(
            try slices.acquire(snr: 40, phaseEncode: phaseEncode, motion: breathing).magnitude, slices, phaseEncode: phaseEncode)
        let (stillGhost, ghost) = (try #require(still.ghostToSignalAlongPhaseEncode), try #require(ghosted.ghostToSignalAlongPhaseEncode))
        #expect(ghost > 1.5 * stillGhost && ghost > stillGhost + 0.03, "ghost-to-signal still \(stillGhost), breathing \(ghost)")
        let (stillRatio, ratio) = (try #require(still.ghostRatio), try #require(ghosted.ghostRatio))
        #expect(ratio > 1.5 && ratio > 1.3 * stillRatio, "ghost ratio still \(stillRatio), breathing \(ratio)")
        // Nothing moves ghosts along readout.
        #expect(abs(try #require(ghosted.ghostToSignalAlongReadout)) < 0.03)
    }

    @Test func swappingPhaseEncodeSwapsWhichAxisCarriesTheGhosts() throws {
        let slices = Self.slim
        let row = try measure(try slices.acquire(snr: 40, phaseEncode: .row, motion: breathing).magnitude, slices, phaseEncode: .row)
        let column = try measure(
            try slices.acquire(snr: 40, phaseEncode: .column, motion: breathing).magnitude, slices, phaseEncode: .column)
        #expect(try #require(row.ghostToSignalAlongRows) > #require(row.ghostToSignalAlongColumns) + 0.03)
        #expect(try #require(column.ghostToSignalAlongColumns) > #require(column.ghostToSignalAlongRows) + 0.03)
        for q in [row, column] {
            #expect(try #require(q.ghostToSignalAlongPhaseEncode) > #require(q.ghostToSignalAlongReadout))
            #expect(try #require(q.ghostRatio) > 1.5)
        }
        // Told the wrong direction, the ratio drops below 1: the figure follows the header.
        let mislabelled = try measure(
            try slices.acquire(snr: 40, phaseEncode: .row, motion: breathing).magnitude, slices, phaseEncode: .column)
        #expect(try #require(mislabelled.ghostRatio) < 1)
    }

    /// Verified direction: ghosting and blur spread the image energy, so EFC rises.
    @Test(arguments: [PhaseEncodeDirection.row, .column])
    func efcRisesWithGhostingAndBlur(phaseEncode: PhaseEncodeDirection) throws {
        let slices = Self.slim
        let still = try slices.acquire(snr: 40, phaseEncode: phaseEncode)
        let ghosted = try slices.acquire(snr: 40, phaseEncode: phaseEncode, motion: breathing)
        let sharp = try measure(still.magnitude, slices, phaseEncode: phaseEncode)
        #expect(try measure(ghosted.magnitude, slices, phaseEncode: phaseEncode).efc > sharp.efc + 0.01)
        let blurred = ImageFilters.boxBlur(still.magnitude, rows: 128, columns: 128, radius: 2, precision: .double)
        #expect(try measure(blurred, slices, phaseEncode: phaseEncode).efc > sharp.efc)
    }

    @Test func psirIsMeasuredWithGaussianNoise() throws {
        let slices = Self.typical
        let images = try slices.acquire(snr: 40)
        let q = try measure(images.psir, slices, phaseEncode: .row, signed: true)
        #expect(abs(q.backgroundNoise / Double(images.noiseSigma) - 1) < 0.15)
        // Signed CNR: enhancement and blood far above nulled myocardium.
        #expect(q.cnr > 10)
    }

    @Test func withoutPhaseEncodeOnlyTheAxisFiguresAreReported() throws {
        let slices = Self.slim
        let q = try measure(try slices.acquire(snr: 40).magnitude, slices, phaseEncode: nil)
        #expect(q.ghostToSignalAlongPhaseEncode == nil && q.ghostToSignalAlongReadout == nil && q.ghostRatio == nil)
        #expect(q.ghostToSignalAlongRows != nil && q.ghostToSignalAlongColumns != nil)
    }

    @Test func encodesWithSnakeCaseKeys() throws {
        let slices = Self.slim
        let q = try measure(try slices.acquire(snr: 40).magnitude, slices, phaseEncode: .row)
        let json = String(decoding: try JSONEncoder().encode(q), as: UTF8.self)
        for key in ["\"snr\"", "\"ghost_to_signal_along_phase_encode\"", "\"ghost_ratio\"", "\"background_noise\"", "\"foreground_fraction\""] {
            #expect(json.contains(key), "\(key) missing from \(json)")
        }
        #expect(try JSONDecoder().decode(SliceQuality.self, from: Data(json.utf8)) == q)
    }

    @Test func degenerateInputsAreRefused() {
        func measure(_ rows: Int, _ columns: Int, _ values: [Float]) -> SliceQualityError? {
            do {
                _ = try SliceQualityMetrics.measure(
                    PixelImage(rows: rows, columns: columns, values: values), pixelSpacing: nil, phaseEncode: .row,
                    isSigned: false)
                return nil
            } catch { return error }
        }
        #expect(measure(32, 32, [Float](repeating: 0, count: 1024)) == .allZero)
        #expect(measure(8, 8, (0..<64).map(Float.init)) == .imageTooSmall(rows: 8, columns: 8, minimum: 16))
        var withNaN = (0..<1024).map { Float($0 % 7) }
        withNaN[5] = .nan
        withNaN[9] = .infinity
        #expect(measure(32, 32, withNaN) == .nonFiniteValues(count: 2))
        #expect(measure(32, 32, [Float](repeating: 3, count: 1024)) == .uniform(value: 3))
        // A body filling the field of view: no air left to measure noise in.
        let filled = (0..<1024).map { i -> Float in
            let (r, c) = (i / 32, i % 32)
            return r == 0 || c == 0 || r == 31 || c == 31 ? 0 : 100
        }
        #expect(measure(32, 32, filled) == .noBackground(pixels: 0, required: 64))
        // A disc on an exactly zero background: masked by the scanner, noise unknowable.
        let masked = (0..<4096).map { i -> Float in
            let (r, c) = (Double(i / 64) - 31.5, Double(i % 64) - 31.5)
            return r * r + c * c < 15 * 15 ? 100 + Float(i % 5) : 0
        }
        #expect(measure(64, 64, masked) == .backgroundWithoutNoise(value: 0))
        #expect(SliceQualityError.noBackground(pixels: 0, required: 64).description.contains("fills the field of view"))
    }
}
