-- Sign-in attempts per key (an account or an address) within a window, in the database so
-- that every server process over it counts the same attempts, and a restart forgets none.
-- An attempt is counted before its password is checked (so that parallel guesses cannot all
-- pass the check before any failure is recorded) and taken back when it succeeds.
CREATE TABLE login_attempts (
    key          TEXT PRIMARY KEY,
    attempts     INTEGER NOT NULL,
    window_start TEXT NOT NULL
);
CREATE INDEX login_attempts_window ON login_attempts(window_start);
