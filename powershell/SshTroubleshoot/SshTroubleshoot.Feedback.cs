// The feedback provider of PowerShell 7.4+: after a failed Enter-AzVM or
// Export-AzSshConfig, the host calls GetFeedback and prints what it returns under
// [SshTroubleshoot] before the next prompt: the likely causes the core's offline explain
// finds in the error record, the first PowerShell command of each remedy, and the
// Test-AzSshArc command for the full report with the user's own values.
//
// Other failures get feedback only when the explain engine recognises their text and
// the text is about SSH to an Arc-enabled server (the request's explainNeedsSshContext:
// the rule lives in the core). Any exception in here yields no feedback: the provider
// must never be a new error of its own in the user's session.
//
// Compiled only on PowerShell 7.4+ (IFeedbackProvider does not exist before), with
// SshTroubleshoot.FeedbackCommandLine.cs, by Private/Register-SshtsFeedback.ps1. The shim
// (Native.RunCancellable, ErrorText.Gather) is handed in as delegates (Over): see there why.

using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Subsystem;
using System.Management.Automation.Subsystem.Feedback;
using System.Text;
using System.Text.Json;
using System.Threading;

namespace SshTroubleshoot
{
    public sealed class FeedbackProvider : IFeedbackProvider
    {
        /// <summary>The switch-off: SSH_TROUBLESHOOT_AUTO_DIAGNOSE=false (or 0, no, off).</summary>
        public const string SwitchVariable = "SSH_TROUBLESHOOT_AUTO_DIAGNOSE";

        /// <summary>The core's own deadline: well within the host's 1000 ms for all providers.</summary>
        private const int DeadlineMs = 600;

        public static readonly Guid ProviderId = new Guid("7b1f2c0e-5a8d-4d0c-9d1e-2f3a4b5c6d7e");

        private readonly Func<string, Action<long, long>, Action, string> _run;
        private readonly Func<string, Exception, object, string, string> _gather;

        /// <param name="run">Native.RunCancellable: request, progress, poll; the answer.</param>
        /// <param name="gather">ErrorText.Gather: details, exception, target object, error id; the text.</param>
        public FeedbackProvider(Func<string, Action<long, long>, Action, string> run,
            Func<string, Exception, object, string, string> gather)
        {
            _run = run ?? throw new ArgumentNullException(nameof(run));
            _gather = gather ?? throw new ArgumentNullException(nameof(gather));
        }

        /// <summary>A provider over the shim's types: Native.RunCancellable and ErrorText.Gather.</summary>
        public static FeedbackProvider Over(Type native, Type errorText)
        {
            var run = (Func<string, Action<long, long>, Action, string>)Delegate.CreateDelegate(
                typeof(Func<string, Action<long, long>, Action, string>), native.GetMethod("RunCancellable"));
            var gather = (Func<string, Exception, object, string, string>)Delegate.CreateDelegate(
                typeof(Func<string, Exception, object, string, string>), errorText.GetMethod("Gather"));
            return new FeedbackProvider(run, gather);
        }

        public Guid Id { get { return ProviderId; } }

        public string Name { get { return "SshTroubleshoot"; } }

        public string Description
        {
            get { return "Diagnoses a failed Enter-AzVM or Export-AzSshConfig (SSH to Azure Arc-enabled servers)."; }
        }

        public Dictionary<string, string> FunctionsToDefine { get { return null; } }

        public FeedbackTrigger Trigger { get { return FeedbackTrigger.Error; } }

        public FeedbackItem GetFeedback(FeedbackContext context, CancellationToken token)
        {
            try
            {
                return Diagnose(context, token);
            }
            catch
            {
                return null;
            }
        }

        /// <summary>Whether the user switched automatic diagnosis off.</summary>
        public static bool SwitchedOff()
        {
            string value = Environment.GetEnvironmentVariable(SwitchVariable);
            if (string.IsNullOrEmpty(value))
            {
                return false;
            }
            value = value.Trim();
            foreach (string off in new[] { "false", "0", "no", "off" })
            {
                if (string.Equals(value, off, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            return false;
        }

        private FeedbackItem Diagnose(FeedbackContext context, CancellationToken token)
        {
            ErrorRecord error = context == null ? null : context.LastError;
            if (error == null || SwitchedOff())
            {
                return null;
            }
            InvocationInfo invocation = error.InvocationInfo;
            string failed = invocation != null && invocation.MyCommand != null ? invocation.MyCommand.Name : null;
            FeedbackCommandLine line = FeedbackCommandLine.Read(context.CommandLineAst,
                invocation != null ? invocation.BoundParameters : null);
            // The failure is Az.Ssh's when its command raised it, or when the line ran one
            // and the record names no command (a parse or binding failure of that line).
            bool watched = FeedbackCommandLine.IsWatched(failed) || (line != null && string.IsNullOrEmpty(failed));
            string details = error.ErrorDetails != null ? error.ErrorDetails.Message : null;
            string text = _gather(details, error.Exception, error.TargetObject, error.FullyQualifiedErrorId);
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }
            string answer = _run(Request(text, watched ? line : null, !watched), null,
                delegate { token.ThrowIfCancellationRequested(); });
            return FeedbackRender.Render(answer, watched);
        }

        /// <summary>The request document: an offline diagnosis explaining text.</summary>
        private static string Request(string text, FeedbackCommandLine line, bool needsSshContext)
        {
            using (MemoryStream buffer = new MemoryStream())
            {
                using (Utf8JsonWriter json = new Utf8JsonWriter(buffer))
                {
                    json.WriteStartObject();
                    json.WriteNumber("schemaVersion", 1);
                    json.WriteString("command", "diagnose");
                    json.WriteString("client", "powershell");
                    json.WriteBoolean("offline", true);
                    json.WriteNumber("deadlineMs", DeadlineMs);
                    json.WriteString("explain", text);
                    if (needsSshContext)
                    {
                        json.WriteBoolean("explainNeedsSshContext", true);
                    }
                    if (line != null)
                    {
                        WriteTarget(json, line);
                    }
                    // What Az.Ssh sees: $env: changes stay inside .NET on Linux and macOS.
                    json.WriteStartObject("environment");
                    foreach (string name in new[] { "PSModulePath", "PATH" })
                    {
                        string value = Environment.GetEnvironmentVariable(name);
                        if (!string.IsNullOrEmpty(value))
                        {
                            json.WriteString(name, value);
                        }
                    }
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                return Encoding.UTF8.GetString(buffer.ToArray());
            }
        }

        private static void WriteTarget(Utf8JsonWriter json, FeedbackCommandLine line)
        {
            if (line.ResourceId != null)
            {
                json.WriteStartObject("target");
                json.WriteString("resourceId", line.ResourceId);
                json.WriteEndObject();
            }
            else if (line.ResourceGroupName != null || line.Name != null)
            {
                json.WriteStartObject("target");
                if (line.ResourceGroupName != null)
                {
                    json.WriteString("resourceGroup", line.ResourceGroupName);
                }
                if (line.Name != null)
                {
                    json.WriteString("name", line.Name);
                }
                json.WriteEndObject();
            }
            if (line.Port.HasValue)
            {
                json.WriteNumber("port", line.Port.Value);
            }
            if (line.LocalUser != null)
            {
                json.WriteString("localUser", line.LocalUser);
            }
        }
    }

    /// <summary>What the host prints for the core's report.</summary>
    public static class FeedbackRender
    {
        /// <summary>Causes shown at most: the most likely first.</summary>
        private const int MaxCauses = 3;

        /// <summary>
        /// The feedback for an answer of the core: a header line per likely cause
        /// ("diagnosis: title") and as actions each cause's first PowerShell command, then
        /// the command for the full report. Null for an error answer, and for no known
        /// cause unless watched (a failed Enter-AzVM always gets the full-report command).
        /// </summary>
        public static FeedbackItem Render(string answer, bool watched)
        {
            using (JsonDocument document = JsonDocument.Parse(answer))
            {
                JsonElement report = document.RootElement;
                if (report.ValueKind != JsonValueKind.Object || report.TryGetProperty("error", out _))
                {
                    return null;
                }
                List<string> causes = new List<string>();
                List<string> actions = new List<string>();
                HashSet<string> seen = new HashSet<string>(StringComparer.Ordinal);
                Collect(report, "explained", "title", false, causes, actions, seen);
                if (watched)
                {
                    // Client-side checks that failed, as the az hook shows them too.
                    Collect(report, "findings", "summary", true, causes, actions, seen);
                }
                if (causes.Count == 0 && !watched)
                {
                    return null;
                }
                string full = Text(report, "reportCommand") ?? "Test-AzSshArc -ErrorRecord $Error[0]";
                actions.Add(full);
                string header = causes.Count == 0
                    ? "No known cause in this error. For the full report run:"
                    : string.Join(Environment.NewLine, causes);
                return new FeedbackItem(header, actions);
            }
        }

        private static void Collect(JsonElement report, string list, string titleField, bool failedOnly,
            List<string> causes, List<string> actions, HashSet<string> seen)
        {
            JsonElement items;
            if (!report.TryGetProperty(list, out items) || items.ValueKind != JsonValueKind.Array)
            {
                return;
            }
            foreach (JsonElement item in items.EnumerateArray())
            {
                if (causes.Count >= MaxCauses)
                {
                    return;
                }
                if (failedOnly && Text(item, "status") != "fail")
                {
                    continue;
                }
                string diagnosis = Text(item, "diagnosis");
                if (diagnosis == null || !seen.Add(diagnosis))
                {
                    continue;
                }
                causes.Add(diagnosis + ": " + (Text(item, titleField) ?? diagnosis));
                string command = FirstPowerShellCommand(item);
                if (command != null && !actions.Contains(command))
                {
                    actions.Add(command);
                }
            }
        }

        private static string FirstPowerShellCommand(JsonElement item)
        {
            JsonElement remedy, commands;
            if (!item.TryGetProperty("remedy", out remedy) || remedy.ValueKind != JsonValueKind.Object
                || !remedy.TryGetProperty("commands", out commands) || commands.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            foreach (JsonElement command in commands.EnumerateArray())
            {
                if (Text(command, "shell") == "powershell")
                {
                    return Text(command, "command");
                }
            }
            return null;
        }

        private static string Text(JsonElement item, string name)
        {
            JsonElement value;
            return item.ValueKind == JsonValueKind.Object && item.TryGetProperty(name, out value)
                && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }
    }
}
