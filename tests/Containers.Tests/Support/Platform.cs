// The tier runs docker and podman on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
