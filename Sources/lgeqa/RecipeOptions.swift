import ArgumentParser
import LGEClassifier
import LGENeural

/// Recipe settings that `model train` and `model cross-validate` both take.
struct RecipeOptions: ParsableArguments {
    @Option(help: "Weight of the auxiliary lesion-map loss on slices with a lesion mask (EMIDEC's, the simulator's); 0 trains without it.")
    var lesionMapWeight: Float = TrainingRecipe().lesionMapWeight
    @Option(help: "Input pixels per lesion-map cell along each axis (the output stride of the stage it reads: 2, 4, 8, 16 or 32; finer cells read shallower features).")
    var lesionMapStride: Int = TrainingRecipe().lesionMapStride
    @Option(help: "Weight of a second map beside the lesion map, where the myocardium is, on slices with a myocardium mask (EMIDEC's, the simulator's); 0 trains without it.")
    var myocardiumMapWeight: Float = TrainingRecipe().myocardiumMapWeight
    @Option(help: "Weight of the auxiliary reader-score target (the readers' mean VAS, where a cohort has it), learned by a training-only output; 0 trains without it.")
    var readerScoreWeight: Float = TrainingRecipe().readerScoreWeight
    @Option(help: "Weight of the auxiliary myocardial-nulling target (|myocardium| / blood, where a cohort has it), learned by a training-only output; 0 trains without it.")
    var myocardialNullingWeight: Float = TrainingRecipe().myocardialNullingWeight
    @Option(help: "Peak learning rate of the cosine schedule; fine-tuning on a few hundred real slices may want less.")
    var learningRate: Float = TrainingRecipe().peakLearningRate

    func validate() throws {
        guard lesionMapWeight >= 0, lesionMapWeight.isFinite else {
            throw ValidationError("--lesion-map-weight must be 0 or more (found \(lesionMapWeight))")
        }
        let strides = LesionMapNetwork.availableOutputStrides(in: TrainingRecipe().network)
        guard strides.contains(lesionMapStride) else {
            throw ValidationError("--lesion-map-stride must be one of \(strides.map(String.init).joined(separator: ", ")) (found \(lesionMapStride))")
        }
        guard myocardiumMapWeight >= 0, myocardiumMapWeight.isFinite else {
            throw ValidationError("--myocardium-map-weight must be 0 or more (found \(myocardiumMapWeight))")
        }
        guard myocardiumMapWeight == 0 || lesionMapWeight > 0 else {
            throw ValidationError("--myocardium-map-weight needs the lesion map it sits beside (--lesion-map-weight is 0)")
        }
        guard readerScoreWeight >= 0, readerScoreWeight.isFinite else {
            throw ValidationError("--reader-score-weight must be 0 or more (found \(readerScoreWeight))")
        }
        guard myocardialNullingWeight >= 0, myocardialNullingWeight.isFinite else {
            throw ValidationError("--myocardial-nulling-weight must be 0 or more (found \(myocardialNullingWeight))")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw ValidationError("--learning-rate must be a positive number (found \(learningRate))")
        }
    }

    func apply(to recipe: inout TrainingRecipe) {
        recipe.lesionMapWeight = lesionMapWeight
        recipe.lesionMapStride = lesionMapStride
        recipe.myocardiumMapWeight = myocardiumMapWeight
        recipe.readerScoreWeight = readerScoreWeight
        recipe.myocardialNullingWeight = myocardialNullingWeight
        recipe.peakLearningRate = learningRate
    }
}
