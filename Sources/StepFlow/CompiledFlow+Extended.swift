/// The interpreter of extended flows: those with `Sleep`, `AwaitSignal`, scheduled `WaitFor`s, `Retry` policies,
/// `Parallel` groups or compensations. Flows made of go-stepflow's six constructs never come here: they take
/// the table-driven path of `StepFlow.advance`, unchanged.
extension CompiledFlow {
    /// Advances an extended flow's state by one step.
    nonisolated(nonsending) func advanceExtended(
        _ stored: FlowState, context: Context, environment: StepEnvironment
    ) async throws -> StepResult {
        var state = try parse(stored)
        let now = environment.now
        if let ending = state.ending {
            return try await compensate(&state, ending: ending, context: context, environment: environment, stored: stored)
        }
        try settle(&state, now: now)
        if state.events == [rootCompletedEvent] {
            return StepResult(state: encode(state), stepPath: nil, outcome: .noStep)
        }
        // The first branch that is ready runs; the others wait their turn.
        let received = environment.receivedSignals
        let ready = state.events.indices.first { position in
            readyTime(of: state.events[position], in: state, now: now, received: received).map { $0 <= now } ?? false
        }
        guard let position = ready else {
            let notBefore = nextReadyTime(of: state, now: now, received: received, except: nil)
            return StepResult(state: encode(state), stepPath: nil, outcome: .waiting, notBefore: notBefore)
        }
        let event = state.events[position]
        let transition = transitions[Int(event)]
        let item = transition.item
        let path = itemPaths[Int(item)]
        environment.stepWillRun?(path)
        let next: Int32
        var outcome = StepResult.Outcome.advanced
        do {
            next = try await runStep(transition, at: event, in: &state, context: context, now: now, received: received)
        } catch {
            return try await failed(
                with: error, at: position, transition: transition, state: &state, context: context,
                environment: environment, stored: stored
            )
        }
        if next == event { outcome = .waiting }
        state.events.remove(at: position)
        state.events.append(next)  // the branch that ran goes last: branches take turns
        try settle(&state, now: now)
        let justPolled = outcome == .waiting && extensions.waits[item]?.schedule == nil && transition.kind == .condition
        return StepResult(
            state: encode(state), stepPath: path, outcome: outcome,
            notBefore: nextReadyTime(of: state, now: now, received: received, except: justPolled ? next : nil)
        )
    }

    /// Runs the step at `event` and returns the event it leads to. Throws the step's error, or a timeout.
    private nonisolated(nonsending) func runStep(
        _ transition: CompiledTransition, at event: Int32, in state: inout ExtendedState, context: Context, now: FlowTime,
        received: [String: Int]
    ) async throws -> Int32 {
        let item = transition.item
        switch transition.kind {
        case .action:
            try await actions[Int(transition.callable)].run(context)
            if extensions.compensations[item] != nil {
                state.done.removeAll { $0 == item }
                state.done.append(item)
            }
            return transition.target
        case .condition:
            let holds = try await conditions[Int(transition.callable)].evaluate(context)
            if holds { return transition.target }
            guard let spec = extensions.waits[item], var wait = state.waits[item] else { return transition.alternate }
            wait.polls += 1
            if let timeout = spec.timeout, now >= wait.since + timeout {
                throw StepTimeoutError(path: itemPaths[Int(item)], timeout: timeout, since: wait.since)
            }
            var next = spec.schedule.map { now + $0.delay(afterPolls: wait.polls) } ?? now
            if let timeout = spec.timeout { next = min(next, wait.since + timeout) }
            wait.next = next
            state.waits[item] = wait
            return transition.alternate
        case .sleep:
            return transition.target  // chosen only once its time has come
        case .signal:
            let signal = extensions.signals[item]!
            let consumed = state.consumedSignals[signal.name] ?? 0
            if received[signal.name, default: 0] > consumed {
                state.consumedSignals[signal.name] = consumed + 1
                return transition.target
            }
            // Chosen without a signal only when its deadline has passed.
            let since = state.waits[item]?.since ?? now
            throw StepTimeoutError(path: itemPaths[Int(item)], timeout: signal.timeout ?? .zero, since: since)
        case .structural, .none, .fork, .join:
            throw unknownState(encode(state))
        }
    }

    /// A step failed: offers the error to the enclosing `Retry` groups, innermost first; when none restarts,
    /// starts the compensation (if a compensable step completed) or throws the error.
    private nonisolated(nonsending) func failed(
        with error: any Error, at position: Int, transition: CompiledTransition, state: inout ExtendedState,
        context: Context, environment: StepEnvironment, stored: FlowState
    ) async throws -> StepResult {
        let path = itemPaths[Int(transition.item)]
        var error = error
        for retry in retryScopes(from: transition.retry) {
            var restart = false
            if let handler = retry.handler {
                do {
                    restart = try await handler(context, error)
                } catch let handlerError {
                    error = handlerError
                }
            } else if let attempt = retry.policyAttempt(
                after: error, failedSoFar: state.retries[retry.item]?.failedAttempts ?? 0, now: environment.now,
                jitterFraction: environment.jitter
            ) {
                restart = true
                state.retries[retry.item] = attempt
            }
            if restart {
                self.restart(retry.item, from: position, in: &state)
                try settle(&state, now: environment.now)
                return StepResult(
                    state: encode(state), stepPath: path, outcome: .retried,
                    notBefore: nextReadyTime(of: state, now: environment.now, received: environment.receivedSignals, except: nil), error: error
                )
            }
        }
        guard !state.done.isEmpty else { throw error }
        state = ExtendedState(ending: .failed, done: state.done)
        return StepResult(state: encode(state), stepPath: path, outcome: .compensating, notBefore: nil, error: error)
    }

    /// Replaces every event inside retry group `group` by its start (at the place of the first), and forgets the
    /// annotations of the items inside it (but the group's own attempts).
    private func restart(_ group: Int32, from position: Int, in state: inout ExtendedState) {
        let first = state.events.indices.first { isItem(Self.item(of: state.events[$0]), inside: group) } ?? position
        state.events.removeAll { isItem(Self.item(of: $0), inside: group) }
        state.events.insert(Self.start(group), at: min(first, state.events.count))
        state.sleeps = state.sleeps.filter { !isItem($0.key, inside: group) }
        state.waits = state.waits.filter { !isItem($0.key, inside: group) }
        state.retries = state.retries.filter { $0.key == group || !isItem($0.key, inside: group) }
    }

    /// Runs the next compensation of an ended flow (the last compensable step completed first).
    ///
    /// A compensation that throws is retried as the `Retry` policies enclosing its step say (its attempts are saved
    /// like a group's); when none retries it, its error is thrown and the state stays as it was.
    private nonisolated(nonsending) func compensate(
        _ state: inout ExtendedState, ending: ExtendedState.Ending, context: Context, environment: StepEnvironment,
        stored: FlowState
    ) async throws -> StepResult {
        guard let item = state.done.last else {
            return StepResult(state: stored, stepPath: nil, outcome: .noStep)
        }
        let now = environment.now
        let path = itemPaths[Int(item)]
        if let wait = state.retries.values.map(\.notBefore).max(), wait > now {
            return StepResult(state: stored, stepPath: nil, outcome: .waiting, notBefore: wait)
        }
        environment.stepWillRun?(path)
        do {
            try await extensions.compensations[item]!.run(context)
        } catch {
            for retry in retryScopes(from: transitions[Int(Self.start(item))].retry) {
                if let attempt = retry.policyAttempt(
                    after: error, failedSoFar: state.retries[retry.item]?.failedAttempts ?? 0, now: now,
                    jitterFraction: environment.jitter
                ) {
                    state.retries = [retry.item: attempt]
                    return StepResult(state: encode(state), stepPath: path, outcome: .retried, notBefore: attempt.notBefore, error: error)
                }
            }
            throw error
        }
        state.done.removeLast()
        state.retries = [:]
        return StepResult(state: encode(state), stepPath: path, outcome: .compensated)
    }

    /// Follows the transitions that run no user code, for every branch: links, forks, joins; and stamps the timers
    /// of the steps reached (a `Sleep`'s wake-up, a scheduled wait's start). Then drops the annotations of items no
    /// longer active.
    func settle(_ state: inout ExtendedState, now: FlowTime) throws(StepFlowError) {
        var budget = 100 * max(1, transitions.count)
        var position = 0
        while position < state.events.count {
            budget -= 1
            if budget < 0 { throw .unreadableState(encode(state), flow: name, reason: "its structural transitions do not end") }
            let event = state.events[position]
            let transition = transitions[Int(event)]
            let item = transition.item
            switch transition.kind {
            case .structural:
                state.events[position] = transition.target
                continue
            case .fork:
                let starts = extensions.branches[item]!.map(Self.start)
                state.events.replaceSubrange(position...position, with: starts)
                continue
            case .join:
                let branches = extensions.branches[item]!
                let completions = Set(branches.map(Self.completed))
                if completions.isSubset(of: state.events) {
                    let first = state.events.firstIndex { completions.contains($0) }!
                    state.events.removeAll { completions.contains($0) }
                    state.events.insert(transition.target, at: first)
                    position = first
                    continue
                }
            case .sleep:
                if state.sleeps[item] == nil { state.sleeps[item] = now + extensions.sleeps[item]! }
            case .condition:
                if extensions.waits[item] != nil, state.waits[item] == nil, event == Self.start(item) {
                    state.waits[item] = .init(since: now, polls: 0, next: now)
                }
            case .signal:
                if let timeout = extensions.signals[item]!.timeout, state.waits[item] == nil {
                    state.waits[item] = .init(since: now, polls: 0, next: now + timeout)
                }
            case .action, .none:
                break
            }
            position += 1
        }
        if state.events == [rootCompletedEvent] {
            state = ExtendedState(events: [rootCompletedEvent])  // exactly `[completed:<root>]`
            return
        }
        let starts = Set(state.events)
        state.sleeps = state.sleeps.filter { starts.contains(Self.start($0.key)) }
        state.waits = state.waits.filter { starts.contains(Self.start($0.key)) }
        state.retries = state.retries.filter { mark in state.events.contains { isItem(Self.item(of: $0), inside: mark.key) } }
    }

    /// When the branch at `event` can run its step: `now` or earlier when ready, later when it waits for a
    /// time, `nil` when only something else can make it ready (a join waiting for other branches).
    func readyTime(of event: Int32, in state: ExtendedState, now: FlowTime, received: [String: Int]) -> FlowTime? {
        let transition = transitions[Int(event)]
        let item = transition.item
        var ready: FlowTime
        switch transition.kind {
        case .sleep: ready = state.sleeps[item] ?? now
        case .condition: ready = state.waits[item]?.next ?? now
        case .signal:
            let signal = extensions.signals[item]!
            if received[signal.name, default: 0] > (state.consumedSignals[signal.name] ?? 0) {
                ready = now
            } else {
                ready = state.waits[item]?.next ?? .distantFuture
            }
        case .action: ready = now
        case .join, .none, .structural, .fork: return nil
        }
        // A retry policy holds back every step of its group until the next attempt's time. (Checked for steps
        // outside any `Retry` first: this runs for every branch of a `Parallel` on every apply, and starting the walk
        // retains the scope table.)
        guard transition.retry >= 0, !state.retries.isEmpty else { return ready }
        for retry in retryScopes(from: transition.retry) {
            if let mark = state.retries[retry.item], mark.notBefore > ready { ready = mark.notBefore }
        }
        return ready
    }

    /// The earliest time a branch other than `except` is ready (`nil`: none waits for a time).
    private func nextReadyTime(of state: ExtendedState, now: FlowTime, received: [String: Int], except: Int32?) -> FlowTime? {
        var earliest: FlowTime?
        for event in state.events where event != except {
            guard let time = readyTime(of: event, in: state, now: now, received: received) else { continue }
            earliest = min(earliest ?? time, time)
        }
        return earliest.map { max($0, now) }
    }
}
