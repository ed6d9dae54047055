//! The HuntAPI, AudioPod and Audioscrape clients, generated at build time from `spec/` by
//! `build.rs` through the clientgen library. The code is byte-for-byte the `src/client.rs` of
//! the committed crates under `generated/` (a test checks it); depend on those crates to use a
//! client, or on this package to get them regenerated from your own edits of `spec/`.
//!
//! # What a newcomer types
//!
//! Each line below is something a first try of these clients wrote, in the form that compiles
//! (this is a doctest):
//!
//! ```no_run
//! use audio_api_clients::{audiopod, audioscrape, huntapi};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let pod = audiopod::Client::from_env()?;
//! // A body's optional string and string list: its builder takes owned values.
//! pod.create_api_key()
//!     .body_map(|b| b.name("staging-key".to_string()).scopes(vec!["*".to_string()]))
//!     .send()
//!     .await?;
//! // A URL or a file, exactly one: one typed choice (a string, a `FilePart`, or the enum).
//! pod.extract_stems()
//!     .source(audiopod::FilePart::from_path("song.mp3"))
//!     .mode(audiopod::types::StemMode::Six)
//!     .send()
//!     .await?;
//! // The job handle is the status operation's id, whatever type the spec gives it.
//! let stems = pod.extract_stems_job("5512");
//! pod.get_stem_job_status().job_id(&stems).send().await?;
//!
//! // A body with one required field, the others left out: `body_map` starts from its builder.
//! let scrape = audioscrape::Client::from_env()?;
//! scrape.search().body_map(|b| b.query("climate")).send().await?;
//!
//! let hunt = huntapi::Client::from_env()?;
//! // A job's state compared with the string the docs show.
//! let job = hunt
//!     .get_job()
//!     .id("9f8c1e9e-0a39-4a8e-9d61-3d2b4c7f1a20")
//!     .send()
//!     .await?
//!     .into_inner();
//! if job.status == "CompletedJob" {
//!     println!("done");
//! }
//! // A handle that waits in a task of its own: `into_owned` shares the client.
//! let handle = hunt.audio_download_job(job.id.to_string()).into_owned();
//! let waited = tokio::spawn(async move { handle.wait().await });
//! waited.await??;
//! # Ok(())
//! # }
//! ```

/// The HuntAPI client (`spec/huntapi.yaml`).
#[allow(clippy::result_large_err)]
pub mod huntapi {
    include!(concat!(env!("OUT_DIR"), "/huntapi.rs"));
}

/// The AudioPod client (`spec/audiopod.yaml`).
#[allow(clippy::result_large_err)]
pub mod audiopod {
    include!(concat!(env!("OUT_DIR"), "/audiopod.rs"));
}

/// The Audioscrape client (`spec/audioscrape.yaml`).
#[allow(clippy::result_large_err)]
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
