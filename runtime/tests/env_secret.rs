//! Reading the key from the environment. One test in its own binary, because it changes the
//! process environment.

use clientgen_runtime::{ConfigError, env_secret};

#[test]
fn env_secret_names_the_variable_and_never_the_value() {
    const UNSET: &str = "CLIENTGEN_RUNTIME_TEST_UNSET_KEY";
    const EMPTY: &str = "CLIENTGEN_RUNTIME_TEST_EMPTY_KEY";
    const SET: &str = "CLIENTGEN_RUNTIME_TEST_SET_KEY";
    // SAFETY: this test binary has this single test, so no other thread reads the
    // environment while it is changed.
    unsafe {
        std::env::remove_var(UNSET);
        std::env::set_var(EMPTY, "  \t ");
        std::env::set_var(SET, "  sk-abc123\n");
    }

    let err = env_secret(UNSET).expect_err("unset");
    assert!(matches!(err, ConfigError::MissingEnvVar { var } if var == UNSET));
    assert!(err.to_string().contains(UNSET), "{err}");

    let err = env_secret(EMPTY).expect_err("empty");
    assert!(matches!(err, ConfigError::EmptyEnvVar { var } if var == EMPTY));
    assert!(err.to_string().contains(EMPTY), "{err}");

    let secret = env_secret(SET).expect("set");
    assert_eq!(secret.expose_secret(), "sk-abc123");
    assert!(!format!("{secret:?} {secret}").contains("abc123"));
}
