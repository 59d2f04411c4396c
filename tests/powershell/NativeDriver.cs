// Test driver for powershell/SshTroubleshoot/SshTroubleshoot.Native.cs: compiled together
// with that very file by Mono's mcs (C# 5) and run under mono by test_native_shim.py, so
// the module's P/Invoke marshalling is exercised for real against the built library.
//
//   NativeDriver.exe load LIBRARY [LOADER]        -> "loader=... abi=N path=..."
//   NativeDriver.exe run LIBRARY [LOADER] < JSON  -> the answer, UTF-8 on stdout
//   NativeDriver.exe progress LIBRARY [LOADER] < JSON
//                                                 -> RunWithProgress: {"caller": thread id,
//                                                    "hasProgress": bool, "calls": [[done,
//                                                    total, thread id], ...], "answer": {...}}
//   NativeDriver.exe cancel LIBRARY [LOADER] < JSON
//                                                 -> RunCancellable whose poll throws once
//                                                    the file named by NATIVE_DRIVER_CANCEL_WHEN
//                                                    exists, then lives NATIVE_DRIVER_LINGER_MS
//                                                    more: {"hasCancel": bool, "polls": N,
//                                                    "stopped": exception type or null,
//                                                    "msAfterCancel": N, "answer": {...} or null}
//   NativeDriver.exe fail LIBRARY [LOADER]        -> "reason=...", then the message
//   NativeDriver.exe notloaded                    -> Run() before Load(): "reason=..."
//
// The request is read from stdin as UTF-8 bytes and the answer written as UTF-8 bytes,
// so no console code page gets between the test and the shim. Exit 0 on success,
// 2 when the shim threw NativeLibraryException, 1 on anything else.

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;
using SshTroubleshoot;

public static class NativeDriver
{
    public static int Main(string[] args)
    {
        try
        {
            return Dispatch(args);
        }
        catch (NativeLibraryException e)
        {
            Write("reason=" + e.Reason + "\n" + e.Message + "\n");
            return 2;
        }
        catch (Exception e)
        {
            Write("unexpected " + e.GetType().FullName + ": " + e.Message + "\n");
            return 1;
        }
    }

    private static int Dispatch(string[] args)
    {
        if (args.Length == 0)
        {
            Write("usage: NativeDriver.exe load|run|progress|cancel|fail|notloaded [LIBRARY [LOADER]]\n");
            return 1;
        }
        string command = args[0];
        if (command == "notloaded")
        {
            Native.Run("{}");
            Write("Run() before Load() did not throw\n");
            return 1;
        }
        if (args.Length < 2)
        {
            Write("missing LIBRARY\n");
            return 1;
        }
        string library = args[1];
        if (args.Length > 2)
        {
            Native.LoadWith(library, args[2]);
        }
        else
        {
            Native.Load(library);
        }

        if (command == "load" || command == "fail")
        {
            Write(string.Format("loader={0} abi={1} path={2}\n", Native.Loader, Native.AbiVersion(), Native.LibraryPath));
            return command == "load" ? 0 : 1;
        }
        if (command == "run")
        {
            string request = ReadStdin();
            string answer = Native.Run(request);
            Write(answer);
            return 0;
        }
        if (command == "progress")
        {
            string request = ReadStdin();
            List<long[]> calls = new List<long[]>();
            string answer = Native.RunWithProgress(request, delegate(long done, long total)
            {
                calls.Add(new long[] { done, total, Thread.CurrentThread.ManagedThreadId });
            });
            StringBuilder json = new StringBuilder();
            json.Append("{\"caller\":").Append(Thread.CurrentThread.ManagedThreadId);
            json.Append(",\"hasProgress\":").Append(Native.HasProgress ? "true" : "false");
            json.Append(",\"calls\":[");
            for (int i = 0; i < calls.Count; i++)
            {
                json.Append(i == 0 ? "" : ",").AppendFormat("[{0},{1},{2}]", calls[i][0], calls[i][1], calls[i][2]);
            }
            json.Append("],\"answer\":").Append(answer).Append("}");
            Write(json.ToString());
            return 0;
        }
        if (command == "cancel")
        {
            Write(Cancel(ReadStdin()));
            return 0;
        }
        Write("unknown command " + command + "\n");
        return 1;
    }

    /// <summary>
    /// RunCancellable stopped from outside as PowerShell stops it: the poll throws (there
    /// a PipelineStoppedException, here an OperationCanceledException) once the trigger
    /// file exists, which the test creates when the stand-in has the request it holds.
    /// </summary>
    private static string Cancel(string request)
    {
        string trigger = Environment.GetEnvironmentVariable("NATIVE_DRIVER_CANCEL_WHEN");
        if (string.IsNullOrEmpty(trigger))
        {
            throw new ArgumentException("NATIVE_DRIVER_CANCEL_WHEN names no file");
        }
        int polls = 0;
        System.Diagnostics.Stopwatch sinceCancel = new System.Diagnostics.Stopwatch();
        string answer = null;
        string stopped = null;
        try
        {
            answer = Native.RunCancellable(request, null, delegate
            {
                polls++;
                if (File.Exists(trigger))
                {
                    sinceCancel.Start();
                    throw new OperationCanceledException("the test cancelled the run");
                }
            });
        }
        catch (OperationCanceledException e)
        {
            stopped = e.GetType().FullName;
        }
        sinceCancel.Stop();
        // Alive a while longer, so that a run that was not stopped would go on meanwhile
        // (the test reads what the stand-in saw).
        string linger = Environment.GetEnvironmentVariable("NATIVE_DRIVER_LINGER_MS");
        if (!string.IsNullOrEmpty(linger))
        {
            Thread.Sleep(int.Parse(linger, System.Globalization.CultureInfo.InvariantCulture));
        }
        StringBuilder json = new StringBuilder();
        json.Append("{\"hasCancel\":").Append(Native.HasCancel ? "true" : "false");
        json.Append(",\"polls\":").Append(polls);
        json.Append(",\"stopped\":").Append(stopped == null ? "null" : "\"" + stopped + "\"");
        json.Append(",\"msAfterCancel\":").Append((long)sinceCancel.Elapsed.TotalMilliseconds);
        json.Append(",\"answer\":").Append(answer ?? "null").Append("}");
        return json.ToString();
    }

    private static string ReadStdin()
    {
        using (Stream input = Console.OpenStandardInput())
        using (MemoryStream buffer = new MemoryStream())
        {
            input.CopyTo(buffer);
            return new UTF8Encoding(false, true).GetString(buffer.ToArray());
        }
    }

    private static void Write(string text)
    {
        byte[] bytes = new UTF8Encoding(false).GetBytes(text);
        using (Stream output = Console.OpenStandardOutput())
        {
            output.Write(bytes, 0, bytes.Length);
            output.Flush();
        }
    }
}
