import Logging
import PostgresNIO
import ServiceLifecycle

extension PostgresProcessStore {
    /// Listens for wake-ups sent by every store on the database (on any machine) until cancelled or shut down,
    /// and passes each to this program's ``wakeUps()`` subscribers.
    ///
    /// It holds one connection of the client. When the connection is lost it listens again after
    /// ``Configuration/listenRetryDelay``, and wakes the subscribers once it is back (notifications sent in
    /// between are lost, so the workers look for due work). Without it, workers notice work created by other
    /// programs at their next poll.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.listen()
        }
    }

    private func listen() async {
        let (channel, logger, broadcaster, delay) = (configuration.channel, logger, broadcaster, configuration.listenRetryDelay)
        var failures = 0
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        if failures > 0 {
                            logger.info("listening for wake-ups on '\(channel)' again")
                            failures = 0
                        }
                        broadcaster.signal()
                        for try await _ in notifications { broadcaster.signal() }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                if failures == 1 {
                    logger.warning(
                        "lost the wake-up channel '\(channel)'; listening again every \(delay)",
                        metadata: ["stepflow.error": "\(Self.describe(error))"]
                    )
                }
            }
            try? await Task.sleep(for: delay)
        }
    }
}
