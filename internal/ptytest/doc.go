// Package ptytest gives tests a pseudo-terminal: the program side that the
// code under test (or a child process) reads and writes, and the person's
// side the test types into and reads the screen from. Tests create their
// own, so they run where stdin is no terminal (CI). Linux and macOS only.
package ptytest
