package auth

// canary is a secret planted in tests that must never appear in any output.
const canary = "sk-ant-CANARY-0123456789-abcdefghij-zz"
