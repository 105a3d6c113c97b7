/// A differentiable layer on NCHW (or N×features) Float32 tensors.
///
/// Layers are value types. `forward(_:training: true)` caches what `backward(_:)` needs inside the layer,
/// which is why it is `mutating`; `infer(_:)` is the non-caching inference path. `backward(_:)` accumulates
/// parameter gradients (call `zeroGradients()` before each step) and returns the gradient w.r.t. the input
/// of the most recent training-mode forward.
public protocol Layer: Sendable {
    /// Inference: running statistics, stochastic layers are identity, nothing is cached.
    func infer(_ input: Tensor) -> Tensor
    /// Forward pass; in training mode uses batch statistics and stochastic layers, and caches for backward.
    mutating func forward(_ input: Tensor, training: Bool) -> Tensor
    /// Gradient w.r.t. the input of the last training forward; accumulates parameter gradients.
    mutating func backward(_ outputGradient: Tensor) -> Tensor
    /// Visits every trainable parameter with its gradient, in a fixed order with stable dotted names.
    mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void)
    /// Visits non-trainable state that must be saved (BatchNorm running statistics), in a fixed order.
    mutating func visitBuffers(_ body: (String, inout Tensor) -> Void)
}

extension Layer {
    public mutating func visitParameters(_ body: (String, inout Tensor, inout Tensor) -> Void) {}
    public mutating func visitBuffers(_ body: (String, inout Tensor) -> Void) {}

    /// Sets every parameter gradient to zero.
    public mutating func zeroGradients() {
        visitParameters { _, _, gradient in gradient.fill(0) }
    }

    /// Total number of trainable scalars.
    public var parameterCount: Int {
        var copy = self
        var total = 0
        copy.visitParameters { _, parameter, _ in total += parameter.count }
        return total
    }
}

/// Prefixes visited names with `prefix` + "."; keeps composite layers' visitors one line each.
@inline(__always)
func visit<L: Layer>(_ layer: inout L, _ prefix: String, _ body: (String, inout Tensor, inout Tensor) -> Void) {
    layer.visitParameters { name, p, g in body(prefix + "." + name, &p, &g) }
}

@inline(__always)
func visitBuffers<L: Layer>(_ layer: inout L, _ prefix: String, _ body: (String, inout Tensor) -> Void) {
    layer.visitBuffers { name, b in body(prefix + "." + name, &b) }
}

/// Fails loudly when backward runs without a cached training forward: a programming error, not data.
@inline(__always)
func requireCache<T>(_ value: T?, _ layer: String) -> T {
    guard let value else { preconditionFailure("\(layer).backward called without a training-mode forward") }
    return value
}
