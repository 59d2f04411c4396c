// The text the core's explain engine reads from a PowerShell error record. One place for
// Test-AzSshArc -ErrorRecord (Private/Get-SshtsAzureContext.ps1, Get-SshtsErrorText) and
// the feedback provider (SshTroubleshoot.Feedback.cs), so both explain the same text.
//
// Compiled with SshTroubleshoot.Native.cs into the shim (Private/Import-SshtsNative.ps1),
// so it stays C# 5 for Windows PowerShell 5.1, and it takes the record's parts rather
// than the ErrorRecord itself: the tests compile the shim with Mono's mcs, which has no
// System.Management.Automation.

using System;
using System.Collections.Generic;

namespace SshTroubleshoot
{
    public static class ErrorText
    {
        /// <summary>How many exceptions are read at most: a cycle of inner exceptions ends here.</summary>
        public const int MaxExceptions = 32;

        /// <summary>
        /// The lines to explain: the record's ErrorDetails message, each exception's type
        /// and message (inner exceptions, and every one of an AggregateException's,
        /// breadth first), a string target object, and the FullyQualifiedErrorId. Empty
        /// and repeated lines are left out; lines are joined with Environment.NewLine.
        /// </summary>
        public static string Gather(string details, Exception exception, object targetObject, string errorId)
        {
            List<string> lines = new List<string>();
            Add(lines, details);
            Queue<Exception> pending = new Queue<Exception>();
            if (exception != null)
            {
                pending.Enqueue(exception);
            }
            int visited = 0;
            while (pending.Count > 0 && visited < MaxExceptions)
            {
                Exception current = pending.Dequeue();
                visited++;
                Add(lines, current.GetType().FullName + ": " + current.Message);
                AggregateException aggregate = current as AggregateException;
                if (aggregate != null)
                {
                    foreach (Exception inner in aggregate.InnerExceptions)
                    {
                        if (inner != null)
                        {
                            pending.Enqueue(inner);
                        }
                    }
                }
                else if (current.InnerException != null)
                {
                    pending.Enqueue(current.InnerException);
                }
            }
            Add(lines, targetObject as string);
            if (!string.IsNullOrEmpty(errorId))
            {
                Add(lines, "FullyQualifiedErrorId: " + errorId);
            }
            return string.Join(Environment.NewLine, lines.ToArray());
        }

        private static void Add(List<string> lines, string line)
        {
            if (!string.IsNullOrEmpty(line) && !lines.Contains(line))
            {
                lines.Add(line);
            }
        }
    }
}
