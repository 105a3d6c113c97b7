import LGEDICOM
import Testing

@testable import LGESession

@Suite struct ReconstructionTests {
    func classify(_ imageType: [String], _ description: String?, complex: String? = nil) -> ReconstructionEvidence {
        ReconstructionClassifier.classify(imageType: imageType, complexImageComponent: complex, seriesDescription: description)
    }

    @Test func siemensPSIRPairIsToldApartByDescription() {
        // Siemens names both series after the sequence; the suffix tells them apart.
        let magnitude = classify(["ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"], "de_tfl_psir_sax_MAG")
        #expect(magnitude.kind == .magnitude)
        #expect(magnitude.basis.contains("MAG"))
        let psir = classify(["ORIGINAL", "PRIMARY", "M", "NORM", "DIS2D"], "de_tfl_psir_sax_PSIR")
        #expect(psir.kind == .psir)
        #expect(psir.basis.contains("description"))
        #expect(classify(["DERIVED", "PRIMARY", "R", "NORM"], "LGE").kind == .psir)
    }

    @Test func geDescriptions() {
        let other = ["ORIGINAL", "PRIMARY", "OTHER"]
        #expect(classify(other, "PSMDE SAX").kind == .psir)
        #expect(classify(other, "PS_MDE_SAX").kind == .psir)
        #expect(classify(other, "MDE SAX").kind == .magnitude)
        #expect(classify(other, "Phase Sensitive IR").kind == .psir)
        #expect(classify(other, "lge real").kind == .psir)
        // REAL must be a word: a real-time cine is not a PSIR.
        #expect(classify(other, "REALTIME cine").kind == .unknown)
    }

    @Test func philipsImageTypeWinsOverDescription() {
        // Philips writes one description for both images of a PSIR acquisition.
        let magnitude = classify(["ORIGINAL", "PRIMARY", "M_IR", "M", "IR"], "LGE PSIR SA")
        #expect(magnitude.kind == .magnitude)
        #expect(magnitude.basis.contains("M_IR"))
        #expect(magnitude.basis.contains("header wins"))
        let real = classify(["ORIGINAL", "PRIMARY", "R_IR", "R", "IR"], "LGE MAG SA")
        #expect(real.kind == .psir)
        #expect(real.basis.contains("R_IR"))
    }

    @Test func complexImageComponentDecidesEnhancedObjects() {
        #expect(classify(["ORIGINAL", "PRIMARY", "M"], nil, complex: "REAL").kind == .psir)
        let magnitude = classify(["ORIGINAL", "PRIMARY", "R"], "PSIR", complex: "MAGNITUDE")
        #expect(magnitude.kind == .magnitude)
        #expect(magnitude.basis.contains("ComplexImageComponent"))
    }

    @Test func fallsBackToImageTypeMThenUnknown() {
        let m = classify(["ORIGINAL", "PRIMARY", "M"], "LGE SAX")
        #expect(m == ReconstructionEvidence(kind: .magnitude, basis: "ImageType says M (magnitude)"))
        let unknown = classify(["ORIGINAL", "PRIMARY", "OTHER"], "LGE SAX")
        #expect(unknown.kind == .unknown)
        #expect(classify([], nil).kind == .unknown)
    }

    @Test func descriptionNamesViews() {
        #expect(DescriptionTokens("LGE_PSIR_SAX").namedViews == [.shortAxis])
        #expect(DescriptionTokens("lge short axis").namedViews == [.shortAxis])
        #expect(DescriptionTokens("LGE 2ch").namedViews == [.twoChamber])
        #expect(DescriptionTokens("LGE VLA").namedViews == [.twoChamber])
        #expect(DescriptionTokens("PSIR LVOT").namedViews == [.threeChamber])
        #expect(DescriptionTokens("PSIR 4 ch").namedViews == [.fourChamber])
        #expect(DescriptionTokens("HLA psir").namedViews == [.fourChamber])
        #expect(DescriptionTokens("TI scout SAG").namedViews.isEmpty)
    }
}
