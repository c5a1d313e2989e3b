/// An error that is not a usage error (a store that cannot be opened, a process not found): printed as
/// `Error: …` without the usage block, and the command exits with status 1.
struct CommandFailure: Error, CustomStringConvertible {
    /// What went wrong and what to do.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
