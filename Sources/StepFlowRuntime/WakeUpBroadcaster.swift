import Synchronization

/// Fans one "something may be due" signal out to every subscribed worker in this process.
///
/// Stores use it so that `start`, `wake` and `resume` reach an idle worker at once instead of after its
/// poll interval. Signals coalesce: a subscriber that has not consumed the last one gets one, not many.
public final class WakeUpBroadcaster: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<Void>.Continuation]>([:])
    private let nextID = Atomic<Int>(0)

    /// A broadcaster with no subscribers.
    public init() {}

    /// A new subscription; it ends when the consumer stops iterating.
    public func subscribe() -> AsyncStream<Void> {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    /// Signals every subscriber.
    public func signal() {
        let continuations = subscribers.withLock { Array($0.values) }
        for continuation in continuations { continuation.yield() }
    }
}
