import Foundation
import ServerConfig
import ServerEngine
import Testing

/// The per-IP place of a connection from a trusted proxy, taken under the forwarded client at its upgrade.
@Suite struct ForwardedAdmissionTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    let limits = WebSocketLimits(maxConnections: 10, maxConnectionsPerUser: 10, maxConnectionsPerIP: 2)

    func admitted(_ decision: ConnectionAdmission.Decision) -> ConnectionAdmission.Ticket? {
        if case .admitted(let ticket) = decision { return ticket }
        return nil
    }

    @Test func aProxiedConnectionCountsForTheProcessOnlyUntilItsClientIsKnown() throws {
        let admission = ConnectionAdmission()
        // Many clients behind one proxy: accepted without an address, none is refused per IP at accept.
        let accepted = try (0..<5).map { _ in try #require(admitted(admission.accept(ip: nil, limits: limits))) }
        #expect(admission.openCount == 5)
        #expect(admission.openCount(ip: "10.0.0.2") == 0)
        // Each is counted under its own client at the upgrade; the third of one client is refused.
        let a1 = try #require(admitted(admission.acceptForwarded(accepted[0], clientIP: "203.0.113.7", limits: limits)))
        let a2 = try #require(admitted(admission.acceptForwarded(accepted[1], clientIP: "203.0.113.7", limits: limits)))
        guard case .refused(let refusal) = admission.acceptForwarded(accepted[2], clientIP: "203.0.113.7", limits: limits) else {
            Issue.record("a third socket of one client was admitted")
            return
        }
        #expect(refusal.limit == "maxConnectionsPerIP" && refusal.closeCode == 1008 && refusal.code == "too_many_connections")
        let b = try #require(admitted(admission.acceptForwarded(accepted[3], clientIP: "198.51.100.9", limits: limits)))
        #expect(admission.openCount(ip: "203.0.113.7") == 2)
        #expect(admission.openCount(ip: "198.51.100.9") == 1)
        // The upgrade keeps the client's place and adds the user's.
        let upgraded = try #require(admitted(admission.upgrade(a1, user: "alice", limits: limits, now: now)))
        // Releasing gives every place back: the refused connection with its accepted ticket, the others with theirs.
        for ticket in [upgraded, a2, accepted[2], b, accepted[4]] { admission.release(ticket) }
        #expect(admission.openCount == 0)
        #expect(admission.openCount(ip: "203.0.113.7") == 0)
        #expect(admission.openCount(ip: "198.51.100.9") == 0)
        // Two sockets of one client fit again.
        #expect(admitted(admission.admit(user: "alice", ip: "203.0.113.7", limits: limits, now: now)) != nil)
        #expect(admitted(admission.admit(user: "bob", ip: "203.0.113.7", limits: limits, now: now)) != nil)
        #expect(admission.openCount(ip: "203.0.113.7") == 2)
    }

    @Test func aTicketAlreadyCountedUnderAnAddressIsNotCountedTwice() throws {
        let admission = ConnectionAdmission()
        let direct = try #require(admitted(admission.accept(ip: "198.51.100.1", limits: limits)))
        let same = try #require(admitted(admission.acceptForwarded(direct, clientIP: "203.0.113.7", limits: limits)))
        #expect(same == direct)
        #expect(admission.openCount(ip: "198.51.100.1") == 1)
        #expect(admission.openCount(ip: "203.0.113.7") == 0)
        admission.release(same)
        #expect(admission.openCount == 0 && admission.openCount(ip: "198.51.100.1") == 0)
    }
}
