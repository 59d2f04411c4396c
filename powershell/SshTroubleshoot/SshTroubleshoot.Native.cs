// The P/Invoke shim between the SshTroubleshoot PowerShell module and the
// ssh_troubleshoot C library (CONTRACT.md section 1).
//
// SshTroubleshoot.psm1 compiles this file with Add-Type at import, so it must stay
// C# 5: Windows PowerShell 5.1 compiles it with the .NET Framework compiler. No string
// interpolation, no expression-bodied members, no null-conditional operators, no
// nameof, no out variables. Tests compile this very file with Mono's mcs.
//
// [DllImport] needs a library name the runtime can resolve, and an Add-Type assembly
// has no location for PowerShell's native probing to start from. So the library is
// opened by absolute path at run time, and its three exports are bound through
// Marshal.GetDelegateForFunctionPointer:
//   - PowerShell 7 (.NET Core 3+): System.Runtime.InteropServices.NativeLibrary,
//     reached by reflection because .NET Framework does not have it;
//   - Windows PowerShell 5.1: kernel32 LoadLibraryExW / GetProcAddress;
//   - elsewhere (Mono): dlopen / dlsym.

using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace SshTroubleshoot
{
    /// <summary>The native library is missing, unloadable, or of the wrong ABI version.</summary>
    public sealed class NativeLibraryException : Exception
    {
        private readonly string _reason;
        private readonly string _libraryPath;

        public NativeLibraryException(string reason, string libraryPath, string message)
            : base(message)
        {
            _reason = reason;
            _libraryPath = libraryPath;
        }

        /// <summary>Stable: NotFound, LoadFailed, MissingExport, AbiMismatch, NotLoaded.</summary>
        public string Reason { get { return _reason; } }

        public string LibraryPath { get { return _libraryPath; } }
    }

    public static class Native
    {
        /// <summary>The C ABI version this shim is written against.</summary>
        public const uint ExpectedAbiVersion = 1;

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate uint AbiVersionFn();

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate IntPtr RunFn(IntPtr requestJson);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate void FreeFn(IntPtr answer);

        private static readonly object Gate = new object();
        private static AbiVersionFn _abiVersion;
        private static RunFn _run;
        private static FreeFn _free;
        private static string _libraryPath;
        private static string _loader;

        /// <summary>The library the module uses, or null before Load.</summary>
        public static string LibraryPath { get { return _libraryPath; } }

        /// <summary>How it was opened: NativeLibrary, LoadLibrary or dlopen.</summary>
        public static string Loader { get { return _loader; } }

        public static bool IsLoaded { get { return _run != null; } }

        /// <summary>
        /// Opens the library at an absolute path, binds its exports and checks its ABI
        /// version. Throws NativeLibraryException with a message that says what to do.
        /// </summary>
        public static void Load(string libraryPath)
        {
            LoadWith(libraryPath, DefaultLoader());
        }

        /// <summary>Load through a given loader (NativeLibrary, LoadLibrary or dlopen).</summary>
        public static void LoadWith(string libraryPath, string loader)
        {
            if (string.IsNullOrEmpty(libraryPath))
            {
                throw new ArgumentException("A library path is required.", "libraryPath");
            }
            string path = Path.GetFullPath(libraryPath);
            if (!File.Exists(path))
            {
                throw new NativeLibraryException("NotFound", path, string.Format(
                    "The SshTroubleshoot module cannot find its native library: expected '{0}' " +
                    "(the build for this platform, {1}), and there is no such file. Build the " +
                    "module from the ssh-troubleshoot repository with 'powershell/build.sh' " +
                    "(or 'pwsh powershell/build.ps1'); it runs 'cargo build --release -p " +
                    "ssh-troubleshoot-ffi' and assembles target/powershell/SshTroubleshoot with " +
                    "the library in bin/{1}/. Then run " +
                    "'Import-Module ./target/powershell/SshTroubleshoot'.",
                    path, PlatformFolderOf(path)));
            }

            lock (Gate)
            {
                IntPtr handle = Open(path, loader);
                AbiVersionFn abiVersion = (AbiVersionFn)Bind(handle, path, loader, "sshts_abi_version", typeof(AbiVersionFn));
                RunFn run = (RunFn)Bind(handle, path, loader, "sshts_run", typeof(RunFn));
                FreeFn free = (FreeFn)Bind(handle, path, loader, "sshts_free", typeof(FreeFn));

                uint version = abiVersion();
                if (version != ExpectedAbiVersion)
                {
                    throw new NativeLibraryException("AbiMismatch", path, string.Format(
                        "The native library '{0}' speaks C ABI version {1}, but this SshTroubleshoot " +
                        "module needs version {2}: the module folder mixes files from different " +
                        "builds. Rebuild with 'powershell/build.sh' (or 'pwsh powershell/build.ps1') " +
                        "and import the fresh target/powershell/SshTroubleshoot in a new session.",
                        path, version, ExpectedAbiVersion));
                }

                _abiVersion = abiVersion;
                _run = run;
                _free = free;
                _libraryPath = path;
                _loader = loader;
            }
        }

        /// <summary>sshts_abi_version() of the loaded library.</summary>
        public static uint AbiVersion()
        {
            AbiVersionFn abiVersion = _abiVersion;
            if (abiVersion == null)
            {
                throw NotLoaded();
            }
            return abiVersion();
        }

        /// <summary>
        /// sshts_run(): the request document in, the answer (a report or an error object)
        /// out. Both are UTF-8 on the native side.
        /// </summary>
        public static string Run(string requestJson)
        {
            if (requestJson == null)
            {
                throw new ArgumentNullException("requestJson");
            }
            RunFn run = _run;
            FreeFn free = _free;
            if (run == null || free == null)
            {
                throw NotLoaded();
            }

            byte[] utf8 = Encoding.UTF8.GetBytes(requestJson);
            IntPtr request = Marshal.AllocHGlobal(utf8.Length + 1);
            IntPtr answer = IntPtr.Zero;
            try
            {
                Marshal.Copy(utf8, 0, request, utf8.Length);
                Marshal.WriteByte(request, utf8.Length, 0);
                answer = run(request);
                if (answer == IntPtr.Zero)
                {
                    throw new OutOfMemoryException("sshts_run returned no answer: the native library ran out of memory.");
                }
                return Utf8At(answer);
            }
            finally
            {
                if (answer != IntPtr.Zero)
                {
                    free(answer);
                }
                Marshal.FreeHGlobal(request);
            }
        }

        /// <summary>Decodes the NUL-terminated UTF-8 string at ptr.</summary>
        private static string Utf8At(IntPtr ptr)
        {
            int length = 0;
            while (Marshal.ReadByte(ptr, length) != 0)
            {
                length++;
            }
            byte[] bytes = new byte[length];
            Marshal.Copy(ptr, bytes, 0, length);
            return Encoding.UTF8.GetString(bytes);
        }

        private static NativeLibraryException NotLoaded()
        {
            return new NativeLibraryException("NotLoaded", null,
                "The SshTroubleshoot native library is not loaded: import the module again " +
                "('Import-Module SshTroubleshoot -Force') and read the error it reports.");
        }

        private static string PlatformFolderOf(string path)
        {
            string folder = Path.GetDirectoryName(path);
            return string.IsNullOrEmpty(folder) ? "<os>-<arch>" : Path.GetFileName(folder);
        }

        // ---- opening the library ------------------------------------------------------

        private static Type NativeLibraryType()
        {
            return typeof(Marshal).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", false);
        }

        private static bool IsWindows()
        {
            return Environment.OSVersion.Platform == PlatformID.Win32NT;
        }

        private static string DefaultLoader()
        {
            if (NativeLibraryType() != null)
            {
                return "NativeLibrary";
            }
            return IsWindows() ? "LoadLibrary" : "dlopen";
        }

        private static IntPtr Open(string path, string loader)
        {
            string error;
            IntPtr handle;
            if (loader == "NativeLibrary")
            {
                handle = NativeLibraryCall("Load", new Type[] { typeof(string) }, new object[] { path }, out error);
            }
            else if (loader == "LoadLibrary")
            {
                handle = Kernel32.LoadLibraryExW(path, IntPtr.Zero, Kernel32.LoadWithAlteredSearchPath);
                error = handle == IntPtr.Zero
                    ? string.Format("Windows error {0}", Marshal.GetLastWin32Error())
                    : null;
            }
            else if (loader == "dlopen")
            {
                handle = Dl.Open(path, out error);
            }
            else
            {
                throw new ArgumentException("Unknown loader '" + loader + "'.", "loader");
            }
            if (handle == IntPtr.Zero)
            {
                throw new NativeLibraryException("LoadFailed", path, string.Format(
                    "The native library '{0}' exists but cannot be loaded ({1}). It may be built " +
                    "for another operating system or architecture than this PowerShell " +
                    "({2}-bit process). Rebuild the module on this machine with " +
                    "'powershell/build.sh' (or 'pwsh powershell/build.ps1').",
                    path, error, IntPtr.Size * 8));
            }
            return handle;
        }

        private static Delegate Bind(IntPtr handle, string path, string loader, string name, Type delegateType)
        {
            IntPtr symbol;
            string error;
            if (loader == "NativeLibrary")
            {
                symbol = NativeLibraryCall("GetExport", new Type[] { typeof(IntPtr), typeof(string) },
                    new object[] { handle, name }, out error);
            }
            else if (loader == "LoadLibrary")
            {
                symbol = Kernel32.GetProcAddress(handle, name);
                error = null;
            }
            else
            {
                symbol = Dl.Symbol(handle, name, out error);
            }
            if (symbol == IntPtr.Zero)
            {
                throw new NativeLibraryException("MissingExport", path, string.Format(
                    "The native library '{0}' does not export {1}(), so it is not the " +
                    "ssh_troubleshoot library this module needs{2}. Rebuild with " +
                    "'powershell/build.sh' (or 'pwsh powershell/build.ps1').",
                    path, name, error == null ? "" : " (" + error + ")"));
            }
            return Marshal.GetDelegateForFunctionPointer(symbol, delegateType);
        }

        private static IntPtr NativeLibraryCall(string method, Type[] signature, object[] args, out string error)
        {
            error = null;
            Type type = NativeLibraryType();
            MethodInfo info = type == null ? null : type.GetMethod(method, signature);
            if (info == null)
            {
                error = "System.Runtime.InteropServices.NativeLibrary." + method + " is not available in this runtime";
                return IntPtr.Zero;
            }
            try
            {
                return (IntPtr)info.Invoke(null, args);
            }
            catch (TargetInvocationException e)
            {
                error = e.InnerException == null ? e.Message : e.InnerException.Message;
                return IntPtr.Zero;
            }
        }

        private static class Kernel32
        {
            public const uint LoadWithAlteredSearchPath = 0x00000008;

            [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
            public static extern IntPtr LoadLibraryExW(string fileName, IntPtr reserved, uint flags);

            [DllImport("kernel32.dll", CharSet = CharSet.Ansi, ExactSpelling = true, SetLastError = true)]
            public static extern IntPtr GetProcAddress(IntPtr module, string procName);
        }

        // dlopen lives in libdl.so.2 on older glibc, in libc.so.6 on newer glibc (libdl.so.2
        // remains as a stub), and in libSystem on macOS. Try each until one resolves.
        private static class Dl
        {
            private const int RtldNow = 2;

            public static IntPtr Open(string path, out string error)
            {
                error = null;
                for (int i = 0; i < 3; i++)
                {
                    try
                    {
                        IntPtr handle;
                        if (i == 0) { LibDl.dlerror(); handle = LibDl.dlopen(path, RtldNow); if (handle == IntPtr.Zero) { error = Message(LibDl.dlerror()); } }
                        else if (i == 1) { LibC.dlerror(); handle = LibC.dlopen(path, RtldNow); if (handle == IntPtr.Zero) { error = Message(LibC.dlerror()); } }
                        else { LibSystem.dlerror(); handle = LibSystem.dlopen(path, RtldNow); if (handle == IntPtr.Zero) { error = Message(LibSystem.dlerror()); } }
                        return handle;
                    }
                    catch (DllNotFoundException e)
                    {
                        error = e.Message;
                    }
                    catch (EntryPointNotFoundException e)
                    {
                        error = e.Message;
                    }
                }
                return IntPtr.Zero;
            }

            public static IntPtr Symbol(IntPtr handle, string name, out string error)
            {
                error = null;
                for (int i = 0; i < 3; i++)
                {
                    try
                    {
                        IntPtr symbol;
                        if (i == 0) { LibDl.dlerror(); symbol = LibDl.dlsym(handle, name); if (symbol == IntPtr.Zero) { error = Message(LibDl.dlerror()); } }
                        else if (i == 1) { LibC.dlerror(); symbol = LibC.dlsym(handle, name); if (symbol == IntPtr.Zero) { error = Message(LibC.dlerror()); } }
                        else { LibSystem.dlerror(); symbol = LibSystem.dlsym(handle, name); if (symbol == IntPtr.Zero) { error = Message(LibSystem.dlerror()); } }
                        return symbol;
                    }
                    catch (DllNotFoundException e)
                    {
                        error = e.Message;
                    }
                    catch (EntryPointNotFoundException e)
                    {
                        error = e.Message;
                    }
                }
                return IntPtr.Zero;
            }

            private static string Message(IntPtr dlerror)
            {
                return dlerror == IntPtr.Zero ? "unknown dlopen error" : Utf8At(dlerror);
            }

            private static class LibDl
            {
                [DllImport("libdl.so.2")] public static extern IntPtr dlopen(string fileName, int flags);
                [DllImport("libdl.so.2")] public static extern IntPtr dlsym(IntPtr handle, string name);
                [DllImport("libdl.so.2")] public static extern IntPtr dlerror();
            }

            private static class LibC
            {
                [DllImport("libc.so.6")] public static extern IntPtr dlopen(string fileName, int flags);
                [DllImport("libc.so.6")] public static extern IntPtr dlsym(IntPtr handle, string name);
                [DllImport("libc.so.6")] public static extern IntPtr dlerror();
            }

            private static class LibSystem
            {
                [DllImport("/usr/lib/libSystem.B.dylib")] public static extern IntPtr dlopen(string fileName, int flags);
                [DllImport("/usr/lib/libSystem.B.dylib")] public static extern IntPtr dlsym(IntPtr handle, string name);
                [DllImport("/usr/lib/libSystem.B.dylib")] public static extern IntPtr dlerror();
            }
        }
    }
}
