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

/// The client modules above as `(spec stem, source)`: the exact text `build.rs` wrote into
/// `OUT_DIR` and this package compiled. A test checks that it is byte-for-byte the committed
/// `generated/<stem>-client/src/client.rs` and that every `spec/*.yaml` has its module here.
pub const GENERATED_SOURCES: &[(&str, &str)] = &[
    (
        "audiopod",
        include_str!(concat!(env!("OUT_DIR"), "/audiopod.rs")),
    ),
    (
        "audioscrape",
        include_str!(concat!(env!("OUT_DIR"), "/audioscrape.rs")),
    ),
    (
        "huntapi",
        include_str!(concat!(env!("OUT_DIR"), "/huntapi.rs")),
    ),
];
