//! File parts for multipart uploads that can be rebuilt for every attempt.

use std::fmt;
use std::io;
use std::path::PathBuf;

use bytes::Bytes;
use reqwest::multipart::Part;

/// A file to upload in a `multipart/form-data` body.
///
/// A multipart body is consumed when sent, so a request that is retried must build its parts
/// again: [`FilePart::to_part`] does, from bytes held in memory (cheaply shared) or by opening
/// the file anew and streaming it. `Debug` shows the name and size, never the content.
#[derive(Clone)]
pub struct FilePart {
    source: Source,
    file_name: Option<String>,
    mime: Option<String>,
}

#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    Path(PathBuf),
}

impl FilePart {
    /// A file held in memory.
    pub fn from_bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        Self {
            source: Source::Bytes(bytes.into()),
            file_name: Some(file_name.into()),
            mime: None,
        }
    }

    /// A file on disk, opened and streamed (not buffered) each time the part is built. The
    /// file name sent is the path's last component; the content type is guessed from the
    /// extension unless set with [`FilePart::with_mime`].
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        Self {
            source: Source::Path(path),
            file_name,
            mime: None,
        }
    }

    /// Sets the content type (for example `audio/mpeg`). An invalid value makes
    /// [`FilePart::to_part`] fail with [`io::ErrorKind::InvalidInput`].
    pub fn with_mime(mut self, mime: impl Into<String>) -> Self {
        self.mime = Some(mime.into());
        self
    }

    /// Sets the file name sent in the part's `Content-Disposition`.
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// The file name sent, if any.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The size in bytes: known for in-memory files, read from the file system otherwise.
    pub fn size(&self) -> Option<u64> {
        match &self.source {
            Source::Bytes(bytes) => u64::try_from(bytes.len()).ok(),
            Source::Path(path) => std::fs::metadata(path).ok().map(|m| m.len()),
        }
    }

    /// Builds a fresh multipart part. Fails if the file cannot be opened or the content type
    /// is invalid.
    pub async fn to_part(&self) -> Result<Part, io::Error> {
        let mut part = match &self.source {
            Source::Bytes(bytes) => {
                let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
                Part::stream_with_length(reqwest::Body::from(bytes.clone()), len)
            }
            Source::Path(path) => Part::file(path).await?,
        };
        if let Some(name) = &self.file_name {
            part = part.file_name(name.clone());
        }
        if let Some(mime) = &self.mime {
            part = part.mime_str(mime).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("invalid content type `{mime}`"),
                )
            })?;
        }
        Ok(part)
    }
}

impl fmt::Debug for FilePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("FilePart");
        s.field("file_name", &self.file_name);
        if let Source::Path(path) = &self.source {
            s.field("path", path);
        }
        s.field("size", &self.size())
            .field("mime", &self.mime)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_content() {
        let part =
            FilePart::from_bytes("voice.wav", &b"RIFF-secret-audio"[..]).with_mime("audio/wav");
        let debug = format!("{part:?}");
        assert!(debug.contains("voice.wav"));
        assert!(debug.contains("17"));
        assert!(!debug.contains("secret"));
    }

    #[tokio::test]
    async fn parts_can_be_built_repeatedly() {
        let dir = std::env::temp_dir().join(format!("clientgen-rt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("clip.mp3");
        std::fs::write(&path, b"0123456789").unwrap();
        let part = FilePart::from_path(&path);
        assert_eq!(part.file_name(), Some("clip.mp3"));
        assert_eq!(part.size(), Some(10));
        for _ in 0..2 {
            assert!(part.to_part().await.is_ok());
        }
        let bytes = FilePart::from_bytes("a.bin", vec![1u8, 2, 3]);
        for _ in 0..2 {
            assert!(bytes.to_part().await.is_ok());
        }
        let missing = FilePart::from_path(dir.join("missing.mp3"));
        assert_eq!(
            missing.to_part().await.unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
        let bad_mime = FilePart::from_bytes("a.bin", vec![1u8]).with_mime("not a mime");
        assert_eq!(
            bad_mime.to_part().await.unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
