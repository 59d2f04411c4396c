// The machine a failed Enter-AzVM or Export-AzSshConfig named, read from the command
// line the user typed (its AST). The error record's bound parameters are empty for many
// cmdlets (a cmdlet that throws from BeginProcessing, a parameter binding that failed),
// while the command line always holds what was typed. Only values written as constants
// are taken: a variable ($rg) is not evaluated here (the provider runs outside the
// session's runspace), and then the bound value is used when the record has one.
//
// Compiled only on PowerShell 7.4+, with SshTroubleshoot.Feedback.cs
// (Private/Register-SshtsFeedback.ps1).

using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace SshTroubleshoot
{
    public sealed class FeedbackCommandLine
    {
        /// <summary>The commands whose failures are always diagnosed (Az.Ssh's).</summary>
        public static readonly string[] WatchedCommands = { "Enter-AzVM", "Export-AzSshConfig" };

        /// <summary>The parameters read, as Test-AzSshArc takes them.</summary>
        public static readonly string[] Parameters = { "ResourceGroupName", "Name", "LocalUser", "Port", "ResourceId" };

        private readonly Dictionary<string, string> _values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The watched command found, as the user spelled it.</summary>
        public string Command { get; private set; }

        public string ResourceGroupName { get { return Get("ResourceGroupName"); } }
        public string Name { get { return Get("Name"); } }
        public string LocalUser { get { return Get("LocalUser"); } }
        public string ResourceId { get { return Get("ResourceId"); } }

        /// <summary>-Port when it is a port number (1 to 65535), else null.</summary>
        public int? Port
        {
            get
            {
                int port;
                string text = Get("Port");
                return text != null && int.TryParse(text, out port) && port > 0 && port < 65536 ? port : (int?)null;
            }
        }

        /// <summary>Whether name is Enter-AzVM or Export-AzSshConfig (any case, with or without a module prefix).</summary>
        public static bool IsWatched(string name)
        {
            if (string.IsNullOrEmpty(name))
            {
                return false;
            }
            int slash = name.LastIndexOf('\\');
            string bare = slash >= 0 ? name.Substring(slash + 1) : name;
            foreach (string watched in WatchedCommands)
            {
                if (string.Equals(bare, watched, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>
        /// The first watched command of the command line, with the parameters it was given
        /// (bound, when the line does not spell the value as a constant); null when the
        /// line runs none.
        /// </summary>
        public static FeedbackCommandLine Read(Ast commandLine, IDictionary bound)
        {
            if (commandLine == null)
            {
                return null;
            }
            CommandAst command = commandLine.Find(
                ast => ast is CommandAst && IsWatched(((CommandAst)ast).GetCommandName()), true) as CommandAst;
            if (command == null)
            {
                return null;
            }
            FeedbackCommandLine line = new FeedbackCommandLine { Command = command.GetCommandName() };
            line.ReadElements(command.CommandElements);
            if (bound != null)
            {
                foreach (string parameter in Parameters)
                {
                    if (line.Get(parameter) == null && bound.Contains(parameter) && bound[parameter] != null)
                    {
                        line.Set(parameter, Convert.ToString(bound[parameter], System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
            return line;
        }

        private void ReadElements(IReadOnlyList<CommandElementAst> elements)
        {
            for (int i = 1; i < elements.Count; i++)
            {
                CommandParameterAst parameter = elements[i] as CommandParameterAst;
                if (parameter == null)
                {
                    continue;
                }
                string name = Canonical(parameter.ParameterName);
                if (name == null)
                {
                    continue;
                }
                // -Port:2222 carries its argument; -Port 2222 has it as the next element.
                Ast argument = parameter.Argument;
                if (argument == null && i + 1 < elements.Count && !(elements[i + 1] is CommandParameterAst))
                {
                    argument = elements[++i];
                }
                string value = Constant(argument);
                if (value != null)
                {
                    Set(name, value);
                }
            }
        }

        /// <summary>The parameter of Parameters spelled name (any case), else null.</summary>
        private static string Canonical(string name)
        {
            foreach (string parameter in Parameters)
            {
                if (string.Equals(parameter, name, StringComparison.OrdinalIgnoreCase))
                {
                    return parameter;
                }
            }
            return null;
        }

        /// <summary>The value of a constant argument ('x', "x" without variables, 22, bare words), else null.</summary>
        private static string Constant(Ast argument)
        {
            StringConstantExpressionAst text = argument as StringConstantExpressionAst;
            if (text != null)
            {
                return text.Value;
            }
            ConstantExpressionAst constant = argument as ConstantExpressionAst;
            if (constant != null && constant.Value != null)
            {
                return Convert.ToString(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
            ExpandableStringExpressionAst expandable = argument as ExpandableStringExpressionAst;
            if (expandable != null && expandable.NestedExpressions.Count == 0)
            {
                return expandable.Value;
            }
            return null;
        }

        private string Get(string name)
        {
            string value;
            return _values.TryGetValue(name, out value) && !string.IsNullOrEmpty(value) ? value : null;
        }

        private void Set(string name, string value)
        {
            _values[name] = value;
        }
    }
}
