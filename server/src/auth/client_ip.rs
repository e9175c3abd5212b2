//! The client's address: the peer, unless the peer is a trusted proxy, in which case the
//! nearest untrusted address in `X-Forwarded-For`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, request::Parts},
};
use ipnet::IpNet;

use crate::state::AppState;

/// The client's IP address (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientIp(resolve(peer, &parts.headers, &state.config.trusted_proxies)))
    }
}

/// Works out the client address from the peer address and the forwarding headers.
pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    // Without a socket (only in tests that call the router directly) there is no peer.
    let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Walk X-Forwarded-For from the nearest hop back; the first address not ours is the
    // client. Anything further left was written by the client and can't be believed.
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect();
    hops.iter().rev().find(|ip| !is_trusted(ip)).or(hops.first()).copied().unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", v.parse().unwrap());
        h
    }

    #[test]
    fn untrusted_peer_is_the_client_whatever_it_claims() {
        let peer = "203.0.113.9".parse().unwrap();
        assert_eq!(resolve(Some(peer), &xff("1.2.3.4"), &[]), peer);
    }

    #[test]
    fn trusted_proxy_forwards_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let peer = "10.0.0.2".parse().unwrap();
        // The client lied "1.1.1.1"; the proxy appended the real address.
        assert_eq!(
            resolve(Some(peer), &xff("1.1.1.1, 198.51.100.7"), &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            resolve(Some(peer), &xff("198.51.100.7, 10.0.0.9"), &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(resolve(Some(peer), &HeaderMap::new(), &trusted), peer);
    }
}
