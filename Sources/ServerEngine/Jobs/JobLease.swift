import DocumentStore
import Foundation

/// One job's lease in the `job_leases` collection, which makes each run happen on one instance only when
/// several share a store.
///
/// One document per job, `_id` the job's name:
///
/// ```
/// { _id: "presenceSweep", holder: "web-1-3f2a", until: <date>, runningBy: "web-1-3f2a", runningUntil: <date>,
///   lastStartedAt: <date>, lastFinishedAt: <date> }
/// ```
///
/// - `holder` and `until` are the *schedule slot*: no other instance starts a scheduled run before `until`
///   (`now + lease` when taken). The holder keeps the slot after its run and renews it at each of its ticks,
///   so instances ticking at the same interval run each tick once between them; when the holder stops (it
///   died or shut down) the slot expires and another instance's next tick takes it over.
/// - `runningBy` and `runningUntil` are the *run lock*, held only while a run executes (scheduled or
///   ``JobScheduler/runOnce(_:)``) and removed when it ends; a holder that dies mid-run loses it at `runningUntil`.
///
/// Each acquisition is one atomic `findOneAndUpdate` with upsert, filtered on the `_id` and on expiry (or the
/// own holder). When the document exists but is held, nothing matches, the upsert tries to insert a second
/// document with the same `_id`, and the store refuses it with a duplicate-key error: the lease is held
/// elsewhere. Only `DocumentCollection` operations with MongoDB semantics are used.
///
/// Times come from the engine's ``WallClock`` (tests move it); instances sharing a store need roughly
/// synchronised clocks (NTP), as any lease does.
package struct JobLease: Sendable {
    /// The result of trying to take the lease.
    package enum Acquisition: Sendable, Equatable {
        /// This instance holds it now.
        case acquired
        /// Another instance holds it (`until`: when it expires, if known).
        case held(by: String, until: Date?)
    }

    /// The `job_leases` collection.
    let collection: any DocumentCollection
    /// The job's name (the document's `_id`).
    let job: String
    /// This instance's id.
    let instanceId: String
    /// How long a lease lasts (`lease` in jobs.yaml).
    let duration: Duration
    /// The engine's clock.
    let clock: any WallClock

    /// A lease on `job` in `collection` for `instanceId`, lasting `duration` on `clock`.
    package init(collection: any DocumentCollection, job: String, instanceId: String, duration: Duration, clock: any WallClock) {
        (self.collection, self.job, self.instanceId, self.duration, self.clock) = (collection, job, instanceId, duration, clock)
    }

    /// Takes the schedule slot and the run lock for a scheduled run: the slot must be free (expired) or this
    /// instance's, and no run of the job may be in flight anywhere.
    package func acquireForScheduledRun() async throws -> Acquisition {
        let now = clock.now()
        let until = now.addingTimeInterval(duration.seconds)
        return try await acquire(
            filter: [
                "_id": .string(job),
                "$and": [
                    ["$or": [["until": ["$not": ["$gt": .date(now)]]], ["holder": .string(instanceId)]]],
                    ["runningUntil": ["$not": ["$gt": .date(now)]]],
                ],
            ],
            set: [
                "holder": .string(instanceId), "until": .date(until),
                "runningBy": .string(instanceId), "runningUntil": .date(until), "lastStartedAt": .date(now),
            ],
            now: now
        )
    }

    /// Takes only the run lock, for an operator's run (`registry jobs run`): it never overlaps a run on any
    /// instance, but it is an extra run, so it neither needs nor moves the schedule slot.
    package func acquireForManualRun() async throws -> Acquisition {
        let now = clock.now()
        let until = now.addingTimeInterval(duration.seconds)
        return try await acquire(
            filter: ["_id": .string(job), "runningUntil": ["$not": ["$gt": .date(now)]]],
            set: ["runningBy": .string(instanceId), "runningUntil": .date(until), "lastStartedAt": .date(now)],
            now: now
        )
    }

    /// Releases the run lock if this instance still holds it (a run that outlived its lease may have lost it).
    /// The schedule slot stays until it expires.
    package func releaseRunLock() async throws {
        _ = try await collection.updateOne(
            ["_id": .string(job), "runningBy": .string(instanceId)],
            ["$unset": ["runningBy": "", "runningUntil": ""], "$set": ["lastFinishedAt": .date(clock.now())]],
            upsert: false
        )
    }

    private func acquire(filter: Filter, set: Document, now: Date) async throws -> Acquisition {
        do {
            _ = try await collection.findOneAndUpdate(
                filter,
                ["$set": .document(set)],
                upsert: true,
                returnDocument: .after,
                options: FindOptions()
            )
            return .acquired
        } catch let error as StoreError where error.code == .duplicateKey {
            let current = try await collection.findOne(["_id": .string(job)])
            if let runningUntil = current?["runningUntil"]?.dateValue, runningUntil > now {
                return .held(by: current?["runningBy"]?.stringValue ?? "?", until: runningUntil)
            }
            return .held(by: current?["holder"]?.stringValue ?? "?", until: current?["until"]?.dateValue)
        }
    }
}
