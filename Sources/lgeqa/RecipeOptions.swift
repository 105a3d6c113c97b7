import ArgumentParser
import LGEClassifier

/// Recipe settings that `model train` and `model cross-validate` both take.
struct RecipeOptions: ParsableArguments {
    @Option(help: "Weight of the auxiliary lesion-map loss on slices with a lesion mask (EMIDEC's, the simulator's); 0 trains without it.")
    var lesionMapWeight: Float = TrainingRecipe().lesionMapWeight
    @Option(help: "Peak learning rate of the cosine schedule; fine-tuning on a few hundred real slices may want less.")
    var learningRate: Float = TrainingRecipe().peakLearningRate

    func validate() throws {
        guard lesionMapWeight >= 0, lesionMapWeight.isFinite else {
            throw ValidationError("--lesion-map-weight must be 0 or more (found \(lesionMapWeight))")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw ValidationError("--learning-rate must be a positive number (found \(learningRate))")
        }
    }

    func apply(to recipe: inout TrainingRecipe) {
        recipe.lesionMapWeight = lesionMapWeight
        recipe.peakLearningRate = learningRate
    }
}
