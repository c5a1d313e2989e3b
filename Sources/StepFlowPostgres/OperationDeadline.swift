import Synchronization

/// Runs an operation in a task of its own and stops waiting for it after a timeout.
///
/// PostgresNIO 1.33 can leave a query unanswered forever when the server ends the connection just as the query is
/// sent (seen while the server restarted under load: a worker's save never returned, nor failed). Waiting with a
/// deadline turns that into an error the worker retries; the abandoned task is cancelled and left to finish (or
/// not) on its own.
enum OperationDeadline {
    /// The operation did not finish in time.
    struct Expired: Error {}

    /// `operation`'s result, or ``Expired`` once `timeout` and then a grace period (up to a second) have passed
    /// (`nil`: no deadline). Cancelling the caller cancels the operation.
    static func run<T: Sendable>(
        within timeout: Duration?, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        guard let timeout else { return try await operation() }
        let outcome = Outcome<T>()
        let work = Task {
            do {
                outcome.finish(.success(try await operation()))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            // Then a grace period, measured from now: a program that was stopped (SIGSTOP, a suspended machine) past
            // the timeout finds the timeout over as soon as it runs again, while the answer it was waiting for may be
            // in its socket already. It gets a moment to read it before the operation is given up.
            try? await Task.sleep(for: min(timeout, .seconds(1)))
            outcome.finish(.failure(Expired()))
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await outcome.value()
            } onCancel: {
                work.cancel()
            }
        } catch let error as Expired {
            work.cancel()
            throw error
        }
    }

    /// The first result given, handed to the one waiter.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var result: Result<T, any Error>?
            var waiter: CheckedContinuation<T, any Error>?
        }

        private let state = Mutex(State())

        /// Sets the result unless one is set already.
        func finish(_ result: Result<T, any Error>) {
            let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
                guard state.result == nil else { return nil }
                state.result = result
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(with: result)
        }

        /// Waits for the result.
        func value() async throws -> T {
            try await withCheckedThrowingContinuation { continuation in
                let result = state.withLock { state -> Result<T, any Error>? in
                    if let result = state.result { return result }
                    state.waiter = continuation
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }
}
