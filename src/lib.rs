//! The HuntAPI, AudioPod and Audioscrape clients, generated at build time from `spec/` by
//! `build.rs` through the clientgen library. The code is byte-for-byte the `src/client.rs` of
//! the committed crates under `generated/` (a test checks it); depend on those crates to use a
//! client, or on this package to get them regenerated from your own edits of `spec/`.

/// The HuntAPI client (`spec/huntapi.yaml`).
pub mod huntapi {
    include!(concat!(env!("OUT_DIR"), "/huntapi.rs"));
}

/// The AudioPod client (`spec/audiopod.yaml`).
pub mod audiopod {
    include!(concat!(env!("OUT_DIR"), "/audiopod.rs"));
}

/// The Audioscrape client (`spec/audioscrape.yaml`).
pub mod audioscrape {
    include!(concat!(env!("OUT_DIR"), "/audioscrape.rs"));
}
