// Placeholder: replaced by the Prism mock servers' global setup (issue 4).
export default function setup(): void {}
