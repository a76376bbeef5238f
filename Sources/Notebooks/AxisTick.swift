/// A tick of an ``Axis``: a data value, and its label (nil for an unlabelled minor tick).
public struct AxisTick: Sendable, Equatable {
    public var value: Double
    public var label: String?

    public init(value: Double, label: String?) {
        self.value = value
        self.label = label
    }

    public var isMajor: Bool { label != nil }
}
