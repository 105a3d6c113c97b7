import LGENeural
import LGERandom

extension Network {
    /// The same network with `extra` more classifier outputs after its own, for auxiliary targets
    /// that only training uses. Every existing weight is kept; the new rows start from `seed`.
    func withExtraOutputs(_ extra: Int, seed: UInt64) throws(NetworkConfigurationError) -> Network {
        precondition(extra >= 0, "cannot add a negative number of outputs")
        var configuration = self.configuration
        configuration.outputs += extra
        return try replacingClassifier(configuration: configuration, seed: seed)
    }

    /// The same network with only its first `outputs` classifier outputs: what is saved after training
    /// with auxiliary outputs. Its weights are the wider network's, row for row, so its logits are the
    /// wider network's first `outputs` (up to the rounding of a differently blocked product).
    func keepingOutputs(_ outputs: Int) throws(NetworkConfigurationError) -> Network {
        precondition(outputs >= 1 && outputs <= configuration.outputs, "can keep 1 to \(configuration.outputs) outputs, not \(outputs)")
        var configuration = self.configuration
        configuration.outputs = outputs
        return try replacingClassifier(configuration: configuration, seed: 0)
    }

    /// This network's layers under `configuration` (which differs in outputs only), with the classifier's
    /// shared rows copied and any new ones drawn from `seed`.
    private func replacingClassifier(configuration: NetworkConfiguration, seed: UInt64) throws(NetworkConfigurationError) -> Network {
        var result = try Network(configuration: configuration, seed: seed)
        result.stem = stem
        result.stages = stages
        result.head = head
        result.dropout = dropout
        var generator = SeededGenerator(seed: seed, stream: "extra outputs")
        var dense = Dense(inputFeatures: classifier.inputFeatures, outputFeatures: configuration.outputs, generator: &generator)
        let shared = min(classifier.outputFeatures, configuration.outputs), inputs = classifier.inputFeatures
        dense.weight.values.replaceSubrange(0..<(shared * inputs), with: classifier.weight.values[0..<(shared * inputs)])
        dense.bias.values.replaceSubrange(0..<shared, with: classifier.bias.values[0..<shared])
        result.classifier = dense
        return result
    }
}
