//! What a request asks the dashboard for: its method and target parsed into a [`Route`], or the
//! 4xx [`Refusal`] that answers it. Study names in paths are percent-decoded ([`decode`]) and
//! encoded in links ([`encode`]).

/// The longest request target served; a longer one is refused (400).
pub const MAX_TARGET: usize = 2048;

/// Seconds between reloads of a study's page unless `?refresh=N` says otherwise.
pub const DEFAULT_REFRESH_S: u32 = 5;

/// The longest reload interval `?refresh=N` accepts (an hour).
const MAX_REFRESH_S: u32 = 3600;

/// A page the dashboard serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/`: the studies in the store.
    Index,
    /// `/study/NAME[?refresh=N]`: the study's report, reloading every `refresh_s` seconds (0: never).
    Study {
        /// The study's name, decoded.
        name: String,
        /// Seconds between reloads.
        refresh_s: u32,
    },
    /// `/api/study/NAME`: the study's counts and best trial as JSON.
    ApiStudy {
        /// The study's name, decoded.
        name: String,
    },
}

/// A request the dashboard does not answer with the page it asks for: its status and why, for the
/// error page — a 4xx from [`route`], or a 404 or 500 found while reading the store (`pages`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status.
    pub status: u16,
    /// Why, in a sentence.
    pub reason: String,
}

impl Refusal {
    fn bad(reason: impl Into<String>) -> Self {
        Refusal {
            status: 400,
            reason: reason.into(),
        }
    }
}

/// The route of a request with `method` (`GET`, …) and `target` (`/study/a%20b?refresh=5`).
///
/// # Errors
/// 405 for a method other than GET and HEAD; 400 for a target that is too long, not a path, badly
/// encoded, or has a query the page does not take; 404 for a path that names no page.
pub fn route(method: &str, target: &str) -> Result<Route, Refusal> {
    if method != "GET" && method != "HEAD" {
        return Err(Refusal {
            status: 405,
            reason: format!(
                "the dashboard is read-only: {method} is not served, only GET and HEAD"
            ),
        });
    }
    if target.len() > MAX_TARGET {
        return Err(Refusal::bad(format!(
            "the request's path is {} bytes long; at most {MAX_TARGET} are served",
            target.len()
        )));
    }
    if !target.starts_with('/') {
        return Err(Refusal::bad("the request's target is not a path"));
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target, None),
    };
    let no_query = |route: Route| match query {
        Some(q) if !q.is_empty() => Err(Refusal::bad("this page takes no query")),
        _ => Ok(route),
    };
    if path == "/" {
        return no_query(Route::Index);
    }
    if let Some(name) = path.strip_prefix("/study/") {
        return Ok(Route::Study {
            name: study_name(name)?,
            refresh_s: refresh(query)?,
        });
    }
    if let Some(name) = path.strip_prefix("/api/study/") {
        return no_query(Route::ApiStudy {
            name: study_name(name)?,
        });
    }
    Err(Refusal {
        status: 404,
        reason: String::from("no such page; the studies are listed at /"),
    })
}

/// A study's name from its path segment.
fn study_name(segment: &str) -> Result<String, Refusal> {
    let name = decode(segment).map_err(Refusal::bad)?;
    if name.is_empty() {
        return Err(Refusal::bad("the path names no study"));
    }
    Ok(name)
}

/// `refresh=N` from a study page's query (the default without one).
fn refresh(query: Option<&str>) -> Result<u32, Refusal> {
    let mut refresh_s = DEFAULT_REFRESH_S;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("refresh", value)) => {
                refresh_s = value
                    .parse::<u32>()
                    .ok()
                    .filter(|s| *s <= MAX_REFRESH_S)
                    .ok_or_else(|| {
                        Refusal::bad(format!(
                            "refresh={value}: give the seconds between reloads, 0 to {MAX_REFRESH_S} (0: never)"
                        ))
                    })?;
            }
            _ => {
                return Err(Refusal::bad(format!(
                    "unknown query parameter `{pair}`; a study's page takes refresh=SECONDS"
                )));
            }
        }
    }
    Ok(refresh_s)
}

/// Percent-decodes a path segment (`a%20b` → `a b`; `+` stays a plus).
///
/// # Errors
/// A `%` not followed by two hex digits, a `/` (a name is one segment), or bytes that are not UTF-8.
pub fn decode(segment: &str) -> Result<String, String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| {
                        format!("`{segment}`: `%` must be followed by two hex digits")
                    })?;
                out.push(hex);
                i += 3;
            }
            b'/' => return Err(format!("`{segment}`: a study's name is one path segment")),
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| format!("`{segment}` does not decode to UTF-8 text"))
}

/// Percent-encodes a study's name for a path segment: everything but letters, digits and `-._~`.
#[must_use]
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_routed_with_their_names_decoded() {
        assert_eq!(route("GET", "/"), Ok(Route::Index));
        assert_eq!(route("HEAD", "/?"), Ok(Route::Index));
        assert_eq!(
            route("GET", "/study/a%20b%C3%A9"),
            Ok(Route::Study {
                name: String::from("a bé"),
                refresh_s: DEFAULT_REFRESH_S
            })
        );
        assert_eq!(
            route("GET", "/study/s?refresh=0"),
            Ok(Route::Study {
                name: String::from("s"),
                refresh_s: 0
            })
        );
        assert_eq!(
            route("GET", "/api/study/x"),
            Ok(Route::ApiStudy {
                name: String::from("x")
            })
        );
    }

    #[test]
    fn bad_requests_are_refused_with_a_4xx() {
        let status = |method: &str, target: &str| route(method, target).map_err(|r| r.status);
        assert_eq!(status("POST", "/"), Err(405));
        assert_eq!(status("DELETE", "/study/s"), Err(405));
        assert_eq!(status("GET", "/study/%zz"), Err(400));
        assert_eq!(status("GET", "/study/%4"), Err(400));
        assert_eq!(status("GET", "/study/%FF"), Err(400));
        assert_eq!(
            status("GET", "/study/a%2Fb"),
            Ok(Route::Study {
                name: String::from("a/b"),
                refresh_s: DEFAULT_REFRESH_S
            })
        );
        assert_eq!(status("GET", "/study/a/b"), Err(400));
        assert_eq!(status("GET", "/study/"), Err(400));
        assert_eq!(status("GET", "/study/s?refresh=-1"), Err(400));
        assert_eq!(status("GET", "/study/s?refresh=99999"), Err(400));
        assert_eq!(status("GET", "/study/s?x=1"), Err(400));
        assert_eq!(status("GET", "/?refresh=1"), Err(400));
        assert_eq!(status("GET", "*"), Err(400));
        assert_eq!(
            status("GET", &format!("/study/{}", "a".repeat(MAX_TARGET))),
            Err(400)
        );
        assert_eq!(status("GET", "/favicon.ico"), Err(404));
    }

    #[test]
    fn encoding_round_trips() {
        for name in ["plain_name-1.2", "a b/c?d%e&f#g", "é<\"'>"] {
            let encoded = encode(name);
            assert!(encoded.bytes().all(|b| b.is_ascii_graphic() && b != b'/'));
            assert_eq!(decode(&encoded).as_deref(), Ok(name));
        }
    }
}
