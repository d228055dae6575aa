import DocumentStore
import Logging
import ServerConfig
import ServerEngine
import Synchronization

/// The offline queue's side of the hub: storing what cannot go out live, putting back what a socket never wrote, and
/// flushing a device's queue into its socket.
extension SignalingHub {
    /// Queues a message for `recipient` and wakes whoever serves it now (here, or on another instance): the recipient
    /// may have connected while this was being queued, and must not be left waiting.
    func enqueue(_ stored: Document, to recipient: String, services: EngineServices, cap: Int, logger: Logger) async throws {
        do {
            try await store(stored, to: recipient, services: services, cap: capHere(cap, for: recipient), logger: logger)
        } catch {
            // Not stored: it no longer holds the recipient's backlog open (the sender gets the error).
            directory.connection(for: recipient)?.flush.enqueued()
            throw error
        }
        if let connection = directory.connection(for: recipient) {
            connection.flush.enqueued()
        } else {
            await nudgeOtherInstance(recipient, services: services)
        }
    }

    /// The queue cap for `recipient`: none while it is connected here and its move settles. Its live messages then
    /// wait in the queue with what its old instance held (nothing is flushed until the move settles, at most
    /// ``ClusterBus/releasedRouteRelevance``), and the cap, meant for offline devices, must not drop them.
    private func capHere(_ cap: Int, for recipient: String) -> Int {
        directory.connection(for: recipient)?.flush.isSettling == true ? Int.max : cap
    }

    /// Stores a message in the offline queue, counting what the cap drops.
    private func store(_ stored: Document, to recipient: String, services: EngineServices, cap: Int, logger: Logger) async throws {
        let dropped = try await SignalingQueue(services: services).enqueue(stored, cap: cap)
        logger.debug("message queued", metadata: ["to": "\(recipient)", "type": "\(stored["type"]?.stringValue ?? "")"])
        countQueued(1, dropped: dropped, to: recipient, services: services, logger: logger)
    }

    /// Counts messages stored in the queue and those the cap dropped to make room.
    private func countQueued(_ queued: Int, dropped: Int, to recipient: String, services: EngineServices, logger: Logger) {
        counters.withLock {
            $0.queued += queued
            $0.dropped += dropped
        }
        metrics(services).queued.increment(by: queued)
        if dropped > 0 {
            metrics(services).dropped.increment(by: dropped)
            logger.notice("queue cap reached; dropped oldest", metadata: ["to": "\(recipient)", "dropped": "\(dropped)"])
        }
    }

    /// Puts messages that were taken for a socket but not written back into the offline queue (or, `moved`, those a
    /// device's move took from its previous instance's inbox); false if they could not be stored.
    @discardableResult
    func requeue(_ messages: [Document], for deviceId: String, services: EngineServices, logger: Logger, moved: Bool = false) async -> Bool {
        let cap = capHere(SignalingSettings(services).queueCap, for: deviceId)
        var stored = true
        do {
            // At once: a flush puts back most of a long backlog each time, and one store round per message made
            // flushing it quadratic.
            let dropped = try await SignalingQueue(services: services).enqueue(all: messages, to: deviceId, cap: cap)
            countQueued(messages.count, dropped: dropped, to: deviceId, services: services, logger: logger)
        } catch {
            let what = moved ? "could not queue the messages taken from the device's previous instance" : "could not queue unsent messages again"
            logger.error("\(what)", metadata: ["to": "\(deviceId)", "count": "\(messages.count)", "error": "\(error)"])
            stored = false
        }
        if let connection = directory.connection(for: deviceId) {
            connection.flush.yield()
        } else {
            await nudgeOtherInstance(deviceId, services: services)
        }
        return stored
    }

    /// Sends the device's queued messages while its send buffer has room; what does not fit goes back to the queue
    /// until the receiver catches up (the buffer's `drained` hook requests another flush). A drain that finds the
    /// queue empty ends the backlog, and live delivery resumes. Nothing is sent while a move settles.
    func flushQueue(deviceId: String, session: WebSocketSession, flush: QueueFlusher, logger: Logger) async {
        // A move is settling: what the old instance still holds may be older than what is queued here already (the end of
        // the settle flushes again).
        guard !flush.isSettling else { return }
        let queue = SignalingQueue(services: session.services)
        let limits = session.services.configuration.limits.webSocket
        // Without room the flush stops; the buffer then calls `drained` once it empties, which flushes again.
        while session.sendBuffer.hasRoomOrNotifyWhenDrained() {
            let messages: [Document]
            do {
                messages = try await queue.drain(deviceId)
            } catch {
                // The backlog stays: live messages keep queueing, and each one stored asks for another flush.
                logger.warning("could not read the device's queue", metadata: ["error": "\(error)"])
                return
            }
            guard !messages.isEmpty else {
                flush.drainedEmpty()
                return
            }
            var unsent: [Document] = []
            for message in messages {
                if unsent.isEmpty,
                    session.sendBuffer.offer(.init(text: SignalingFrame.outbound(message), payload: message), limits: limits) == .accepted
                {
                    continue
                }
                unsent.append(message)
            }
            logger.info("delivered queued messages", metadata: ["count": "\(messages.count - unsent.count)"])
            if !unsent.isEmpty {
                await requeue(unsent, for: deviceId, services: session.services, logger: logger)
                return
            }
        }
    }
}
