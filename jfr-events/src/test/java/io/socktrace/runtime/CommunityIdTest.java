package io.socktrace.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/**
 * Every expected Community ID string in this class is copied from a published test vector,
 * never produced by {@link CommunityId} itself. Sources:
 * <ul>
 *   <li>[SPEC-TABLE] corelight/community-id-spec, {@code baseline/README.md} (commit
 *       b1fe530faa0c6edc56fad01abf0bfe71f01134ed), tables "Default settings" (seed 0) and
 *       "A custom seed=1 value".</li>
 *   <li>[SPEC-JSON] same repository and commit, {@code baseline/baseline_deflt.json} (seed 0)
 *       and {@code baseline/baseline_seed1.json} (seed 1), generated from
 *       {@code pcaps/combined.pcap.gz}.</li>
 *   <li>[PY-TEST] corelight/pycommunityid (the reference implementation named by the spec),
 *       {@code tests/communityid_test.py} (commit 5748e0c4808de6910abcf67b426cf8284af2da74);
 *       its expected lists are [seed 0 base64, seed 0 hex, seed 1 base64].</li>
 * </ul>
 */
class CommunityIdTest {

    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int SCTP = 132;
    private static final int ICMP = 1;
    private static final int ICMP6 = 58;
    private static final int RSVP = 46;

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // IP literals only: no DNS lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] b(String literal) {
        return ip(literal).getAddress();
    }

    /** Computes both directions and checks both give {@code expected}. */
    private static void assertBothDirections(int seed, String a, int aPort, String z, int zPort,
                                             int proto, String expected) {
        assertThat(CommunityId.compute(seed, b(a), aPort, b(z), zPort, proto))
                .as("%s:%d -> %s:%d proto %d seed %d", a, aPort, z, zPort, proto, seed)
                .isEqualTo(expected);
        assertThat(CommunityId.compute(seed, b(z), zPort, b(a), aPort, proto))
                .as("%s:%d -> %s:%d proto %d seed %d", z, zPort, a, aPort, proto, seed)
                .isEqualTo(expected);
    }

    // ---- TCP, the path the rest of the project uses -------------------------------------

    @Test
    void tcp_ipv4_matchesSpecVector() {
        // [SPEC-TABLE] Default settings: TCP 1.2.3.4:1122 -> 5.6.7.8:3344
        assertThat(CommunityId.tcp(ip("1.2.3.4"), 1122, ip("5.6.7.8"), 3344))
                .isEqualTo("1:wCb3OG7yAFWelaUydu0D+125CLM=");
        // [SPEC-JSON] baseline_deflt.json: proto 6, 128.232.110.120:34855 -> 66.35.250.204:80
        // (also [PY-TEST] test_tcp)
        assertThat(CommunityId.tcp(ip("128.232.110.120"), 34855, ip("66.35.250.204"), 80))
                .isEqualTo("1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
    }

    @Test
    void tcp_ipv4_portOrderingVectors_matchPyCommunityIdTests() {
        // [PY-TEST] test_tcp, regression for pycommunityid issue #3
        assertThat(CommunityId.tcp(ip("10.0.0.1"), 10, ip("10.0.0.2"), 11569))
                .isEqualTo("1:SXBGMX1lBOwhhoDrZynfROxnhnM=");
        // [PY-TEST] test_communityid: `community-id tcp 10.0.0.1 10.0.0.2 10 20`
        assertThat(CommunityId.tcp(ip("10.0.0.1"), 10, ip("10.0.0.2"), 20))
                .isEqualTo("1:9j2Dzwrw7T9E+IZi4b4IVT66HBI=");
    }

    @Test
    void tcp_ipv6_matchesSpecVector() {
        // [SPEC-JSON] baseline_deflt.json: proto 6,
        // 2001:470:e5bf:dead:4957:2174:e82c:4887:63943 -> 2607:f8b0:400c:c03::1a:25
        assertThat(CommunityId.tcp(ip("2001:470:e5bf:dead:4957:2174:e82c:4887"), 63943,
                ip("2607:f8b0:400c:c03::1a"), 25))
                .isEqualTo("1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    }

    @Test
    void tcp_sameValueForBothDirections() {
        // [SPEC-TABLE] rows "Bidirectional flow, out ..." / "... and back"
        assertThat(CommunityId.tcp(ip("5.6.7.8"), 3344, ip("1.2.3.4"), 1122))
                .isEqualTo("1:wCb3OG7yAFWelaUydu0D+125CLM=");
        // [SPEC-JSON] baseline_deflt.json, the reverse packets of the flows above
        assertThat(CommunityId.tcp(ip("66.35.250.204"), 80, ip("128.232.110.120"), 34855))
                .isEqualTo("1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
        assertThat(CommunityId.tcp(ip("2607:f8b0:400c:c03::1a"), 25,
                ip("2001:470:e5bf:dead:4957:2174:e82c:4887"), 63943))
                .isEqualTo("1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
        // [PY-TEST] test_tcp reverse row
        assertThat(CommunityId.tcp(ip("66.35.250.204"), 80, ip("128.232.110.120"), 34855))
                .isEqualTo(CommunityId.tcp(ip("128.232.110.120"), 34855, ip("66.35.250.204"), 80));
    }

    @Test
    void tcp_sameAddress_portsDecideOrder_sameValueForBothDirections() {
        // Loopback connection: addresses equal, so the ports decide the order. No published
        // vector has equal addresses; this checks symmetry only.
        String ab = CommunityId.tcp(ip("127.0.0.1"), 50000, ip("127.0.0.1"), 8080);
        String ba = CommunityId.tcp(ip("127.0.0.1"), 8080, ip("127.0.0.1"), 50000);
        assertThat(ab).startsWith("1:").hasSize(30).isEqualTo(ba);
        assertThat(CommunityId.tcp(ip("::1"), 50000, ip("::1"), 8080))
                .isEqualTo(CommunityId.tcp(ip("::1"), 8080, ip("::1"), 50000));
    }

    @Test
    void tcp_ipv4MappedIpv6_equalsIpv4() throws UnknownHostException {
        byte[] mapped1234 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4};
        byte[] mapped5678 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 5, 6, 7, 8};
        // [SPEC-TABLE] Default settings: TCP 1.2.3.4:1122 -> 5.6.7.8:3344
        String expected = "1:wCb3OG7yAFWelaUydu0D+125CLM=";

        // The JDK already turns a mapped literal into an Inet4Address ...
        assertThat(ip("::ffff:1.2.3.4")).isInstanceOf(Inet4Address.class);
        assertThat(CommunityId.tcp(ip("::ffff:1.2.3.4"), 1122, ip("::ffff:5.6.7.8"), 3344))
                .isEqualTo(expected);
        // ... but Inet6Address.getByAddress keeps the 16-byte mapped form.
        InetAddress v6a = Inet6Address.getByAddress(null, mapped1234, -1);
        InetAddress v6b = Inet6Address.getByAddress(null, mapped5678, -1);
        assertThat(v6a).isInstanceOf(Inet6Address.class);
        assertThat(v6a.getAddress()).hasSize(16);
        assertThat(CommunityId.tcp(v6a, 1122, v6b, 3344)).isEqualTo(expected);
        assertThat(CommunityId.tcp(v6b, 3344, ip("1.2.3.4"), 1122)).isEqualTo(expected);
        // Raw 16-byte mapped arrays through the general form, mixed with a 4-byte one.
        assertThat(CommunityId.compute(0, mapped1234, 1122, mapped5678, 3344, TCP))
                .isEqualTo(expected);
        assertThat(CommunityId.compute(0, mapped1234, 1122, b("5.6.7.8"), 3344, TCP))
                .isEqualTo(expected);
    }

    @Test
    void tcp_nullAddress_returnsNull() {
        assertThat(CommunityId.tcp(null, 1122, ip("5.6.7.8"), 3344)).isNull();
        assertThat(CommunityId.tcp(ip("1.2.3.4"), 1122, null, 3344)).isNull();
        assertThat(CommunityId.tcp(null, 0, null, 0)).isNull();
    }

    @Test
    void compute_invalidInput_returnsNullInsteadOfThrowing() {
        assertThat(CommunityId.compute(0, null, 1, b("1.2.3.4"), 2, TCP)).isNull();
        assertThat(CommunityId.compute(0, b("1.2.3.4"), 1, null, 2, TCP)).isNull();
        assertThat(CommunityId.compute(0, new byte[5], 1, b("1.2.3.4"), 2, TCP)).isNull();
        assertThat(CommunityId.compute(0, b("1.2.3.4"), -1, b("5.6.7.8"), 2, TCP)).isNull();
        assertThat(CommunityId.compute(0, b("1.2.3.4"), 1, b("5.6.7.8"), 65536, TCP)).isNull();
        assertThat(CommunityId.compute(65536, b("1.2.3.4"), 1, b("5.6.7.8"), 2, TCP)).isNull();
        assertThat(CommunityId.compute(-1, b("1.2.3.4"), 1, b("5.6.7.8"), 2, TCP)).isNull();
        assertThat(CommunityId.compute(0, b("1.2.3.4"), 1, b("5.6.7.8"), 2, 256)).isNull();
    }

    // ---- General form: seeds and the other protocols in the vectors --------------------

    @Test
    void compute_tcp_seed0_matchesSpecVectors() {
        // [SPEC-TABLE] Default settings
        assertBothDirections(0, "1.2.3.4", 1122, "5.6.7.8", 3344, TCP,
                "1:wCb3OG7yAFWelaUydu0D+125CLM=");
        // [SPEC-JSON] baseline_deflt.json
        assertBothDirections(0, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943,
                "2607:f8b0:400c:c03::1a", 25, TCP, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
    }

    @Test
    void compute_tcp_seed1_matchesSpecVectors() {
        // [SPEC-TABLE] "A custom seed=1 value": TCP 1.2.3.4:1122 <-> 5.6.7.8:3344
        assertBothDirections(1, "1.2.3.4", 1122, "5.6.7.8", 3344, TCP,
                "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
        // [SPEC-JSON] baseline_seed1.json: proto 6, IPv4 and IPv6 flows
        assertBothDirections(1, "128.232.110.120", 34855, "66.35.250.204", 80, TCP,
                "1:3V71V58M3Ksw/yuFALMcW0LAHvc=");
        assertBothDirections(1, "2001:470:e5bf:dead:4957:2174:e82c:4887", 63943,
                "2607:f8b0:400c:c03::1a", 25, TCP, "1:eJYTW6AOzFLlSUoESovMjnu7rMw=");
        // [PY-TEST] test_tcp, seed=1 column
        assertBothDirections(1, "10.0.0.1", 10, "10.0.0.2", 11569, TCP,
                "1:HmBRGR+fUyXF4t8WEtal7Y0gEAo=");
    }

    @Test
    void compute_udp_matchesSpecVectors() {
        // [SPEC-TABLE] Default settings / seed=1: UDP 1.2.3.4:1122 <-> 5.6.7.8:3344
        assertBothDirections(0, "1.2.3.4", 1122, "5.6.7.8", 3344, UDP,
                "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=");
        assertBothDirections(1, "1.2.3.4", 1122, "5.6.7.8", 3344, UDP,
                "1:OShq+iKDAMVouh/4bMxB9Sz4amw=");
        // [SPEC-JSON] baseline_deflt.json / baseline_seed1.json: proto 17
        assertBothDirections(0, "192.168.1.52", 54585, "8.8.8.8", 53, UDP,
                "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
        assertBothDirections(1, "192.168.1.52", 54585, "8.8.8.8", 53, UDP,
                "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=");
    }

    @Test
    void compute_sctp_matchesSpecVectors() {
        // [SPEC-TABLE] Default settings / seed=1: SCTP 1.2.3.4:1122 <-> 5.6.7.8:3344
        assertBothDirections(0, "1.2.3.4", 1122, "5.6.7.8", 3344, SCTP,
                "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=");
        assertBothDirections(1, "1.2.3.4", 1122, "5.6.7.8", 3344, SCTP,
                "1:uitchpn5MMGAQKBJh7bIr/bAr7s=");
        // [SPEC-JSON] proto 132, 192.168.170.8:7 <-> 192.168.170.56:7 (equal ports)
        assertBothDirections(0, "192.168.170.8", 7, "192.168.170.56", 7, SCTP,
                "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=");
        assertBothDirections(1, "192.168.170.8", 7, "192.168.170.56", 7, SCTP,
                "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=");
        // [PY-TEST] test_sctp
        assertBothDirections(0, "192.168.170.8", 7, "192.168.170.56", 80, SCTP,
                "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=");
        assertBothDirections(1, "192.168.170.8", 7, "192.168.170.56", 80, SCTP,
                "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU=");
    }

    @Test
    void compute_icmp_typeAndCodeAsPorts_matchesSpecVectors() {
        // [SPEC-TABLE] Default settings: echo request (type 8, code 0) and reply (0, 0)
        assertThat(CommunityId.compute(0, b("1.2.3.4"), 8, b("5.6.7.8"), 0, ICMP))
                .isEqualTo("1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
        assertThat(CommunityId.compute(0, b("5.6.7.8"), 0, b("1.2.3.4"), 0, ICMP))
                .isEqualTo("1:crodRHL2FEsHjbv3UkRrfbs4bZ0=");
        // [SPEC-TABLE] "Unidirectional ICMP treatment": time exceeded (11, 0)
        assertThat(CommunityId.compute(0, b("1.2.3.4"), 11, b("5.6.7.8"), 0, ICMP))
                .isEqualTo("1:f/YiSyWqczrTgfUCZlBUnvHRcPk=");
        // [SPEC-TABLE] seed=1 table, same rows
        assertThat(CommunityId.compute(1, b("1.2.3.4"), 8, b("5.6.7.8"), 0, ICMP))
                .isEqualTo("1:9pr4ZGTICiuZoIh90RRYE2RyXpU=");
        assertThat(CommunityId.compute(1, b("5.6.7.8"), 0, b("1.2.3.4"), 0, ICMP))
                .isEqualTo("1:9pr4ZGTICiuZoIh90RRYE2RyXpU=");
        assertThat(CommunityId.compute(1, b("1.2.3.4"), 11, b("5.6.7.8"), 0, ICMP))
                .isEqualTo("1:1DD7cWGC/Yg91YGsQeni8du3pIA=");
        // [PY-TEST] test_icmp: type 20 is one-way, so the code matters; for type 0 the code
        // is ignored
        assertThat(CommunityId.compute(0, b("192.168.0.89"), 8, b("192.168.0.1"), 0, ICMP))
                .isEqualTo("1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
        assertThat(CommunityId.compute(0, b("192.168.0.1"), 0, b("192.168.0.89"), 8, ICMP))
                .isEqualTo("1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
        assertThat(CommunityId.compute(0, b("192.168.0.89"), 20, b("192.168.0.1"), 0, ICMP))
                .isEqualTo("1:3o2RFccXzUgjl7zDpqmY7yJi8rI=");
        assertThat(CommunityId.compute(0, b("192.168.0.89"), 20, b("192.168.0.1"), 1, ICMP))
                .isEqualTo("1:tz/fHIDUHs19NkixVVoOZywde+I=");
        assertThat(CommunityId.compute(0, b("192.168.0.1"), 0, b("192.168.0.89"), 20, ICMP))
                .isEqualTo("1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
        assertThat(CommunityId.compute(1, b("192.168.0.89"), 20, b("192.168.0.1"), 1, ICMP))
                .isEqualTo("1:Ie3wmFyxiEyikbsbcO03d2nh+PM=");
    }

    @Test
    void compute_icmpv6_typeAndCodeAsPorts_matchesSpecVectors() {
        String a = "fe80:0001:0203:0405:0607:0809:0A0B:0C0D";
        String z = "fe80:1011:1213:1415:1617:1819:1A1B:1C1D";
        // [SPEC-TABLE] Default settings: echo request (128) / reply (129); type 146 one-way
        assertThat(CommunityId.compute(0, b(a), 128, b(z), 0, ICMP6))
                .isEqualTo("1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
        assertThat(CommunityId.compute(0, b(z), 129, b(a), 0, ICMP6))
                .isEqualTo("1:0bf7hyMJUwt3fMED7z8LIfRpBeo=");
        assertThat(CommunityId.compute(0, b(a), 146, b(z), 0, ICMP6))
                .isEqualTo("1:fYC8+pz24E+EhANP1EZhpX0Dw10=");
        // [SPEC-TABLE] seed=1 table, same rows
        assertThat(CommunityId.compute(1, b(a), 128, b(z), 0, ICMP6))
                .isEqualTo("1:IO27GQzPuCtNnwFvjWALMHu5tJE=");
        assertThat(CommunityId.compute(1, b(z), 129, b(a), 0, ICMP6))
                .isEqualTo("1:IO27GQzPuCtNnwFvjWALMHu5tJE=");
        assertThat(CommunityId.compute(1, b(a), 146, b(z), 0, ICMP6))
                .isEqualTo("1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=");
        // [PY-TEST] test_icmp6: neighbor solicitation/advertisement pair, and a one-way
        // type 3 whose two directions differ
        assertThat(CommunityId.compute(0, b("fe80::200:86ff:fe05:80da"), 135,
                b("fe80::260:97ff:fe07:69ea"), 0, ICMP6))
                .isEqualTo("1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
        assertThat(CommunityId.compute(0, b("fe80::260:97ff:fe07:69ea"), 136,
                b("fe80::200:86ff:fe05:80da"), 0, ICMP6))
                .isEqualTo("1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
        assertThat(CommunityId.compute(0, b("3ffe:507:0:1:260:97ff:fe07:69ea"), 3,
                b("3ffe:507:0:1:200:86ff:fe05:80da"), 0, ICMP6))
                .isEqualTo("1:NdobDX8PQNJbAyfkWxhtL2Pqp5w=");
        assertThat(CommunityId.compute(0, b("3ffe:507:0:1:200:86ff:fe05:80da"), 3,
                b("3ffe:507:0:1:260:97ff:fe07:69ea"), 0, ICMP6))
                .isEqualTo("1:/OGBt9BN1ofenrmSPWYicpij2Vc=");
    }

    @Test
    void compute_portlessProtocol_ignoresPorts_matchesSpecVectors() {
        // [SPEC-TABLE] RSVP (46), ports "-": IPv4 and IPv6, seed 0 and 1
        assertBothDirections(0, "1.2.3.4", 0, "5.6.7.8", 0, RSVP,
                "1:ikv3kmf89luf73WPz1jOs49S768=");
        assertBothDirections(1, "1.2.3.4", 0, "5.6.7.8", 0, RSVP,
                "1:/buhqeOmaRCopOZFy9HnoJd5XW8=");
        assertBothDirections(0, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 0,
                "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 0, RSVP,
                "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=");
        assertBothDirections(1, "fe80:0001:0203:0405:0607:0809:0A0B:0C0D", 0,
                "fe80:1011:1213:1415:1617:1819:1A1B:1C1D", 0, RSVP,
                "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=");
        // [SPEC-JSON] proto 46, sport/dport null
        assertBothDirections(0, "10.1.12.1", 0, "10.1.12.2", 0, RSVP,
                "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
        // [PY-TEST] test_ip (proto 46); ports passed here must not influence the result
        assertBothDirections(0, "10.1.24.4", 1234, "10.1.12.1", 99, RSVP,
                "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=");
        assertBothDirections(1, "10.1.24.4", 0, "10.1.12.1", 0, RSVP,
                "1:BK3BVW3U2eemuwVQVN3zd/GULno=");
    }
}
