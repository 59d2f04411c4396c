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
// opened by absolute path at run time, and its exports are bound through
// Marshal.GetDelegateForFunctionPointer:
//   - PowerShell 7 (.NET Core 3+): System.Runtime.InteropServices.NativeLibrary,
//     reached by reflection because .NET Framework does not have it;
//   - Windows PowerShell 5.1: kernel32 LoadLibraryExW / GetProcAddress;
//   - elsewhere (Mono): dlopen / dlsym.

using System;
using System.Collections.Concurrent;
using System.IO;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

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

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate IntPtr RunWithProgressFn(IntPtr requestJson, IntPtr progress, IntPtr context);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate IntPtr CancelNewFn();

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate void CancelFn(IntPtr cancel);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate IntPtr RunCancellableFn(IntPtr requestJson, IntPtr progress, IntPtr context, IntPtr cancel);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate IntPtr RunWatchingFn(IntPtr requestJson, IntPtr onRound, IntPtr context, IntPtr cancel);

        /// <summary>
        /// One native run of a request (already copied to native memory) with a progress
        /// and a round callback pointer.
        /// </summary>
        private delegate IntPtr NativeRun(IntPtr requestJson, IntPtr progress, IntPtr round);

        // SshtsRoundFn: void (*)(const char *round_json, void *context).
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate void RoundFn(IntPtr roundJson, IntPtr context);

        // SshtsProgressFn: void (*)(uint64_t done, uint64_t total, void *context).
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate void ProgressFn(ulong done, ulong total, IntPtr context);

        /// <summary>How often RunWithProgress looks at the latest counts.</summary>
        private const int ProgressPollMilliseconds = 200;

        private static readonly object Gate = new object();
        private static AbiVersionFn _abiVersion;
        private static RunFn _run;
        private static FreeFn _free;
        private static RunWithProgressFn _runWithProgress;
        private static CancelNewFn _cancelNew;
        private static CancelFn _cancel;
        private static CancelFn _cancelFree;
        private static RunCancellableFn _runCancellable;
        private static RunWatchingFn _runWatching;
        private static string _libraryPath;
        private static string _loader;

        /// <summary>The library the module uses, or null before Load.</summary>
        public static string LibraryPath { get { return _libraryPath; } }

        /// <summary>How it was opened: NativeLibrary, LoadLibrary or dlopen.</summary>
        public static string Loader { get { return _loader; } }

        public static bool IsLoaded { get { return _run != null; } }

        /// <summary>
        /// Whether the library exports sshts_run_with_progress (older builds do not;
        /// RunWithProgress then runs without progress).
        /// </summary>
        public static bool HasProgress { get { return _runWithProgress != null; } }

        /// <summary>
        /// Whether the library exports sshts_cancel_new, sshts_cancel, sshts_cancel_free and
        /// sshts_run_cancellable (older builds do not: RunCancellable then cannot stop the
        /// native run, only stop waiting for it).
        /// </summary>
        public static bool HasCancel
        {
            get { return _runCancellable != null && _cancelNew != null && _cancel != null && _cancelFree != null; }
        }

        /// <summary>
        /// Whether the library exports sshts_run_watching and the cancellation functions
        /// (older builds do not: RunWatching then shows no round until the end).
        /// </summary>
        public static bool HasWatching { get { return _runWatching != null && HasCancel; } }

        /// <summary>How long a cancelled run is waited for before the stop propagates anyway.</summary>
        private const int CancelGraceMilliseconds = 2000;

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
                // Optional: added after the first release without an ABI bump.
                RunWithProgressFn runWithProgress = (RunWithProgressFn)TryBind(handle, loader,
                    "sshts_run_with_progress", typeof(RunWithProgressFn));
                CancelNewFn cancelNew = (CancelNewFn)TryBind(handle, loader, "sshts_cancel_new", typeof(CancelNewFn));
                CancelFn cancel = (CancelFn)TryBind(handle, loader, "sshts_cancel", typeof(CancelFn));
                CancelFn cancelFree = (CancelFn)TryBind(handle, loader, "sshts_cancel_free", typeof(CancelFn));
                RunCancellableFn runCancellable = (RunCancellableFn)TryBind(handle, loader,
                    "sshts_run_cancellable", typeof(RunCancellableFn));
                RunWatchingFn runWatching = (RunWatchingFn)TryBind(handle, loader,
                    "sshts_run_watching", typeof(RunWatchingFn));

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
                _runWithProgress = runWithProgress;
                _cancelNew = cancelNew;
                _cancel = cancel;
                _cancelFree = cancelFree;
                _runCancellable = runCancellable;
                _runWatching = runWatching;
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
            return Call(requestJson, run, free);
        }

        /// <summary>
        /// sshts_run_with_progress(): Run, and for a fleet request onProgress(done, total)
        /// as the Azure reads finish. onProgress is only ever invoked on the calling
        /// thread (a PowerShell scriptblock fails on any other): the native call runs on
        /// a worker thread whose callback only stores the latest counts, while this
        /// thread waits and hands on each new count, then the final one. Without
        /// sshts_run_with_progress in the library, or without onProgress, it is Run.
        /// An exception from onProgress ends the wait and propagates; the native call
        /// then finishes on its worker, which frees its answer.
        /// </summary>
        public static string RunWithProgress(string requestJson, Action<long, long> onProgress)
        {
            if (requestJson == null)
            {
                throw new ArgumentNullException("requestJson");
            }
            RunWithProgressFn runWithProgress = _runWithProgress;
            if (runWithProgress == null || onProgress == null)
            {
                return Run(requestJson);
            }

            return RunOnWorker(requestJson, delegate(IntPtr request, IntPtr progress, IntPtr round) {
                return runWithProgress(request, progress, IntPtr.Zero);
            }, onProgress, null, null, IntPtr.Zero);
        }

        /// <summary>
        /// RunWithProgress that the caller can stop: poll is called on this thread about
        /// every 200 ms while the native run goes on on a worker thread (onProgress, when
        /// given, as in RunWithProgress). An exception from poll or onProgress, such as
        /// PowerShell's PipelineStoppedException when the user presses Ctrl+C, fires the
        /// run's cancellation handle (sshts_cancel), waits up to 2 s for the run to stop,
        /// and propagates. A library without the cancellation exports cannot be stopped:
        /// the exception propagates at once and the run finishes on its worker, which
        /// frees its answer.
        /// </summary>
        public static string RunCancellable(string requestJson, Action<long, long> onProgress, Action poll)
        {
            if (requestJson == null)
            {
                throw new ArgumentNullException("requestJson");
            }
            if (_run == null || _free == null)
            {
                throw NotLoaded();
            }
            if (!HasCancel)
            {
                RunWithProgressFn withProgress = _runWithProgress;
                RunFn run = _run;
                return RunOnWorker(requestJson, delegate(IntPtr request, IntPtr progress, IntPtr round) {
                    return withProgress != null ? withProgress(request, progress, IntPtr.Zero) : run(request);
                }, onProgress, null, poll, IntPtr.Zero);
            }
            RunCancellableFn runCancellable = _runCancellable;
            return WithCancel(delegate(IntPtr cancel) {
                return RunOnWorker(requestJson, delegate(IntPtr request, IntPtr progress, IntPtr round) {
                    return runCancellable(request, progress, IntPtr.Zero, cancel);
                }, onProgress, null, poll, cancel);
            });
        }

        /// <summary>
        /// sshts_run_watching(): RunCancellable for a request with "watch": true, with
        /// onRound(roundJson) called on this thread for each round of the watch as it
        /// ends (the native callback only queues the JSON; this thread hands it on while
        /// it waits, and the rest once the run returned). Without sshts_run_watching in
        /// the library it is RunCancellable, and the rounds are only in the report.
        /// </summary>
        public static string RunWatching(string requestJson, Action<string> onRound, Action poll)
        {
            if (requestJson == null)
            {
                throw new ArgumentNullException("requestJson");
            }
            if (!HasWatching || onRound == null)
            {
                return RunCancellable(requestJson, null, poll);
            }
            RunWatchingFn runWatching = _runWatching;
            return WithCancel(delegate(IntPtr cancel) {
                return RunOnWorker(requestJson, delegate(IntPtr request, IntPtr progress, IntPtr round) {
                    return runWatching(request, round, IntPtr.Zero, cancel);
                }, null, onRound, poll, cancel);
            });
        }

        /// <summary>A fresh cancellation handle for one run, freed after it.</summary>
        private static string WithCancel(Func<IntPtr, string> run)
        {
            CancelFn cancelFree = _cancelFree;
            IntPtr cancel = _cancelNew();
            if (cancel == IntPtr.Zero)
            {
                throw new OutOfMemoryException("sshts_cancel_new returned no handle: the native library ran out of memory.");
            }
            try
            {
                return run(cancel);
            }
            finally
            {
                // The run keeps its own reference: freeing the handle never harms it.
                cancelFree(cancel);
            }
        }

        /// <summary>
        /// The native call on a worker thread, this thread handing on progress and polling
        /// until it ends; see RunCancellable.
        /// </summary>
        private static string RunOnWorker(string requestJson, NativeRun native, Action<long, long> onProgress,
            Action<string> onRound, Action poll, IntPtr cancel)
        {
            ProgressCall call = new ProgressCall(requestJson, native, _free);
            Thread worker = new Thread(call.Work, WorkerStackBytes);
            worker.IsBackground = true;
            worker.Name = "SshTroubleshoot native run";
            worker.Start();
            long[] shown = null;
            bool finished = false;
            try
            {
                while (!finished)
                {
                    finished = worker.Join(ProgressPollMilliseconds);
                    long[] latest = call.Latest;
                    if (onProgress != null && latest != null && (shown == null || latest[0] != shown[0] || latest[1] != shown[1]))
                    {
                        shown = latest;
                        onProgress(latest[0], latest[1]);
                    }
                    string round;
                    while (onRound != null && call.Rounds.TryDequeue(out round))
                    {
                        onRound(round);
                    }
                    if (!finished && poll != null)
                    {
                        poll();
                    }
                }
            }
            catch
            {
                if (cancel != IntPtr.Zero)
                {
                    _cancel(cancel);
                    worker.Join(CancelGraceMilliseconds);
                }
                throw;
            }
            if (call.Failure != null)
            {
                ExceptionDispatchInfo.Capture(call.Failure).Throw();
            }
            return call.Answer;
        }

        /// <summary>
        /// The worker's stack: 8 MiB, a Linux main thread's, since the core's run starts
        /// on it (a .NET thread's default is 1 MiB on Windows).
        /// </summary>
        private const int WorkerStackBytes = 8 * 1024 * 1024;

        /// <summary>One native run on a worker thread.</summary>
        private sealed class ProgressCall
        {
            private readonly string _requestJson;
            private readonly NativeRun _native;
            private readonly FreeFn _free;
            private long[] _latest;

            public ProgressCall(string requestJson, NativeRun native, FreeFn free)
            {
                _requestJson = requestJson;
                _native = native;
                _free = free;
            }

            /// <summary>{done, total} of the newest callback, or null before the first.</summary>
            public long[] Latest { get { return Volatile.Read(ref _latest); } }

            /// <summary>Each round's JSON, in order, until the waiting thread takes it.</summary>
            public readonly ConcurrentQueue<string> Rounds = new ConcurrentQueue<string>();

            public string Answer { get; private set; }

            public Exception Failure { get; private set; }

            public void Work()
            {
                // The delegate the library calls back: referenced from this frame (and
                // kept alive below) until the native call has returned, whatever the
                // waiting thread does meanwhile.
                ProgressFn callback = Record;
                RoundFn roundCallback = Queue;
                IntPtr progress = Marshal.GetFunctionPointerForDelegate(callback);
                IntPtr round = Marshal.GetFunctionPointerForDelegate(roundCallback);
                try
                {
                    Answer = Call(_requestJson, delegate(IntPtr request) { return _native(request, progress, round); }, _free);
                }
                catch (Exception e)
                {
                    Failure = e;
                }
                GC.KeepAlive(callback);
                GC.KeepAlive(roundCallback);
            }

            // The string is the library's until this returns: copied, then queued.
            private void Queue(IntPtr roundJson, IntPtr context)
            {
                Rounds.Enqueue(Utf8At(roundJson));
            }

            // On the library's threads, one call at a time: store the counts, nothing else.
            private void Record(ulong done, ulong total, IntPtr context)
            {
                long[] counts = new long[] { Clamp(done), Clamp(total) };
                Interlocked.Exchange(ref _latest, counts);
            }

            private static long Clamp(ulong n)
            {
                return n > long.MaxValue ? long.MaxValue : (long)n;
            }
        }

        /// <summary>
        /// The request as a NUL-terminated UTF-8 copy to one native call, the answer
        /// decoded and freed whatever happens.
        /// </summary>
        private static string Call(string requestJson, RunFn run, FreeFn free)
        {
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

        /// <summary>Bind, or null when the library does not export name.</summary>
        private static Delegate TryBind(IntPtr handle, string loader, string name, Type delegateType)
        {
            try
            {
                return Bind(handle, null, loader, name, delegateType);
            }
            catch (NativeLibraryException)
            {
                return null;
            }
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
